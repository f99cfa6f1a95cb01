import { paramKey } from '../../fhir/search/param-key';

/** Parameterised SQL text and its bind values: values never enter the text. */
export interface SqlQuery {
  text: string;
  values: unknown[];
}

/**
 * The security filter slot: given a `resource` row alias and a bind function, return a SQL
 * boolean restricting the rows a caller may see. It is ANDed into every match, count,
 * chain, `_has`, include and revinclude query, so no query path can return or reveal a row the
 * filter excludes. Example (auth issue):
 * `(a, bind) => \`EXISTS (SELECT 1 FROM resource_compartment c WHERE c.rid = ${a}.rid AND c.compartment_type = 'Patient' AND c.compartment_id = ANY(${bind(ids, 'text[]')}))\``
 * `perRow`: the condition is checked row by row as an ordered scan reads them (a page, then
 * stop), so it should cost per row checked rather than per statement; same rows either way.
 */
export interface AccessFilter {
  (alias: string, bind: (value: unknown, cast?: string) => string, perRow?: boolean): string;
  /**
   * "The caller reaches patient `idExpr`" (an SQL expression) as a boolean: what a search pinned
   * to patients asks once, before it reads a row (SearchRequest.pinned). Absent: no pin is checked.
   */
  reaches?: (idExpr: string, bind: (value: unknown, cast?: string) => string) => string;
}

/** Where the SQL of one search parameter is being built: bind values (never interpolated) and the parameter's keys. */
export interface SqlContext {
  /** Add a bind value; returns its placeholder (`$n`), with `::cast` when given. */
  bind(value: unknown, cast?: string): string;
  /** `= $n` or `= ANY($n::int[])` restricting `param` to this parameter (and facet) over the types in scope. */
  keyIn(facet?: string): string;
  /** Alias of the `resource` row being matched. */
  alias: string;
  /** Fresh table alias, unique within the statement. */
  nextAlias(prefix: string): string;
}

/** Collects bind values and hands out placeholders and table aliases for one statement. */
export class SqlBuilder {
  readonly values: unknown[] = [];
  private aliasCount = 0;

  /** Reserve placeholder slots filled in later (e.g. $1 = rids of an include query). */
  constructor(reserved = 0) {
    for (let i = 0; i < reserved; i++) this.values.push(undefined);
  }

  bind = (value: unknown, cast?: string): string => {
    this.values.push(value);
    return `$${this.values.length}${cast ? `::${cast}` : ''}`;
  };

  nextAlias = (prefix: string): string => `${prefix}${++this.aliasCount}`;

  /** A SqlContext for a parameter `code` over `types`, matching rows of the resource aliased `alias`. */
  context(alias: string, types: readonly string[], code: string): SqlContext {
    return {
      alias,
      bind: this.bind,
      nextAlias: this.nextAlias,
      keyIn: (facet?: string) => {
        const keys = keysOf(types, code, facet);
        return keys.length === 1 ? `= ${this.bind(keys[0], 'integer')}` : `= ANY(${this.bind(keys, 'integer[]')})`;
      },
    };
  }

  query(text: string): SqlQuery {
    return { text, values: this.values };
  }
}

/** Param keys of a code (and facet) over the given types. */
function keysOf(types: readonly string[], code: string, facet = ''): number[] {
  return [...new Set(types.map((t) => paramKey(t, code, facet)))];
}
