import type { DefinitionRegistry } from '../../definitions/registry';
import { paramKey } from '../param-key';

/**
 * One interface per SearchParameter type: which modifiers
 * it takes, how a value is parsed, and what SQL it compiles to.
 * https://hl7.org/fhir/R4/search.html#ptypes
 */

/** Where SQL is being built: bind values (never interpolated) and the parameter's keys. */
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

/** Facts a value parser may need. */
export interface ValueContext {
  registry: DefinitionRegistry;
  baseUrl?: string;
  /** Target types the reference parameter allows (reference only). */
  targets?: readonly string[];
  /** The current time for `ap` (injected for deterministic tests). */
  now: Date;
  /** Component value types (composite only). */
  components?: readonly string[];
}

/** A value that could not be parsed; the message names what is wrong. */
export interface ValueError {
  error: string;
}

export function isValueError(v: unknown): v is ValueError {
  return typeof v === 'object' && v !== null && 'error' in v;
}

export interface ParamHandler<V = unknown> {
  /** Index table of this type. */
  readonly table: string;
  /** Modifiers accepted besides `:missing` (handled for every type by the compiler). */
  readonly modifiers: readonly string[];
  parseValue(text: string, modifier: string | undefined, ctx: ValueContext): V | ValueError;
  /** SQL boolean on `ctx.alias`: the resource has a value matching ANY of `values` (comma = OR). */
  toSql(values: V[], modifier: string | undefined, ctx: SqlContext): string;
  /** Condition on one index row aliased `x` (used inside composites). */
  rowCondition(value: V, x: string, ctx: SqlContext): string;
  /** Aggregates over index rows aliased `x` giving a resource's sort key (ascending, descending), and its SQL type. */
  readonly sort?: { asc: (x: string) => string; desc: (x: string) => string; cast: string };
}

/** `EXISTS (SELECT 1 FROM table x WHERE x.rid = alias.rid AND x.param … AND (cond))`. */
export function existsRow(
  table: string,
  ctx: SqlContext,
  condition: (x: string) => string,
  facet?: string,
): string {
  const x = ctx.nextAlias('x');
  return `EXISTS (SELECT 1 FROM ${table} ${x} WHERE ${x}.rid = ${ctx.alias}.rid AND ${x}.param ${ctx.keyIn(facet)} AND (${condition(x)}))`;
}

/** Param keys of a code (and facet) over the given types. */
export function keysOf(types: readonly string[], code: string, facet = ''): number[] {
  return [...new Set(types.map((t) => paramKey(t, code, facet)))];
}

/**
 * Split on an unescaped separator (`,` between values, `|` in tokens, `$` in composites) and
 * unescape `\,` `\|` `\$` `\\` in the parts (https://hl7.org/fhir/R4/search.html#escaping).
 */
export function splitEscaped(text: string, separator: string, limit = Infinity): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1];
      // only this separator is unescaped here; other escapes stay for later splits and unescapeValue
      current += next === separator ? next : c + next;
      i++;
    } else if (c === separator && parts.length < limit - 1) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** Remove any remaining escapes once all splitting is done. */
export function unescapeValue(text: string): string {
  return text.replace(/\\([,|$\\])/g, '$1');
}

export const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
export type Prefix = (typeof PREFIXES)[number];

/** Take an optional comparison prefix; an unknown two-letter prefix is an error. */
export function takePrefix(text: string): { prefix: Prefix; rest: string } | ValueError {
  const m = /^([a-z]{2})(.*)$/.exec(text);
  if (!m) return { prefix: 'eq', rest: text };
  if (!(PREFIXES as readonly string[]).includes(m[1])) return { error: `unknown prefix '${m[1]}'` };
  return { prefix: m[1] as Prefix, rest: m[2] };
}
