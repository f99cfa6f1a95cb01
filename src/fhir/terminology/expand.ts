import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';

/**
 * ValueSet expansion from the CodeSystems and ValueSets the server holds, for binding checks.
 * https://hl7.org/fhir/R4/valueset.html#expansion
 *
 * Supported: `compose.include` with enumerated concepts, whole held CodeSystems (complete
 * content only), `filter` `is-a` / `descendent-of` / `=` on `concept` over held hierarchies,
 * included ValueSets, `compose.exclude`, and a ValueSet's own `expansion.contains`. Anything
 * else (SNOMED CT, UCUM, languages, a CodeSystem not held, other filters) cannot be expanded:
 * the result is `undefined` and callers must say the code was not checked, never reject it.
 * Expansions are computed once per held ValueSet URL and cached.
 */

export interface Expansion {
  /** Whether system|code is in the value set. */
  has(system: string | undefined, code: string): boolean;
  /** Whether the code is in the value set under any system (for `code`-typed elements). */
  hasCode(code: string): boolean;
  readonly size: number;
  /** Every system|code of the value set, in a stable order (system, then code). */
  entries(): Array<{ system: string; code: string }>;
}

export interface TerminologySource {
  valueSet(url: string): ValueSet | undefined;
  codeSystem(url: string): CodeSystem | undefined;
}

/** More codes than this are not worth enumerating; such value sets count as not expandable. */
const MAX_CODES = 100_000;

export class ValueSetExpander {
  private readonly cache = new Map<string, Expansion | null>();

  constructor(private readonly source: TerminologySource) {}

  /** The expansion of a ValueSet by canonical URL (a `|version` suffix is ignored), or undefined. */
  expand(url: string): Expansion | undefined {
    const key = url.split('|')[0];
    let cached = this.cache.get(key);
    if (cached === undefined) {
      this.cache.set(key, null); // guards against ValueSets that include themselves
      cached = this.compute(key, new Set()) ?? null;
      // a URL the source does not hold is not remembered: such URLs come from requests
      // (answerValueSet, $expand) and would grow the cache without bound
      if (cached === null && !this.source.valueSet(key)) this.cache.delete(key);
      else this.cache.set(key, cached);
    }
    return cached ?? undefined;
  }

  private compute(url: string, seen: Set<string>): Expansion | undefined {
    const codes = this.codes(url, seen);
    return codes ? toExpansion(codes) : undefined;
  }

  /** system → codes, or undefined when the value set cannot be expanded. */
  private codes(url: string, seen: Set<string>): Map<string, Set<string>> | undefined {
    if (seen.has(url)) return undefined;
    seen.add(url);
    const vs = this.source.valueSet(url);
    if (!vs) return undefined;
    const out = new Map<string, Set<string>>();
    if (vs.expansion?.contains?.length && !vs.compose) {
      const walk = (items: NonNullable<ValueSet['expansion']>['contains']) => {
        for (const c of items ?? []) {
          if (c.system && c.code) add(out, c.system, [c.code]);
          walk(c.contains);
        }
      };
      walk(vs.expansion.contains);
      return out;
    }
    if (!vs.compose?.include?.length) return undefined;
    for (const include of vs.compose.include) {
      const part = this.include(include, seen);
      if (!part) return undefined;
      for (const [system, codes] of part) add(out, system, codes);
    }
    for (const exclude of vs.compose.exclude ?? []) {
      const part = this.include(exclude, seen);
      if (!part) return undefined;
      for (const [system, codes] of part) for (const code of codes) out.get(system)?.delete(code);
    }
    let total = 0;
    for (const codes of out.values()) total += codes.size;
    return total > MAX_CODES ? undefined : out;
  }

  private include(include: ValueSetComposeInclude, seen: Set<string>): Map<string, Set<string>> | undefined {
    let result: Map<string, Set<string>> | undefined;
    if (include.system) {
      const codes = this.systemCodes(include);
      if (!codes) return undefined;
      result = new Map([[include.system, codes]]);
    }
    // "the codes in the included value sets": intersected with each other and with the system part
    for (const vsUrl of include.valueSet ?? []) {
      const other = this.codes(vsUrl.split('|')[0], new Set(seen));
      if (!other) return undefined;
      result = result ? intersect(result, other) : other;
    }
    return result;
  }

  private systemCodes(include: ValueSetComposeInclude): Set<string> | undefined {
    const system = include.system as string;
    if (include.concept?.length && !include.filter?.length) return new Set(include.concept.map((c) => c.code as string));
    const cs = this.source.codeSystem(system);
    if (!cs || cs.content !== 'complete' || !cs.concept) return undefined;
    let codes: Set<string> | undefined = allCodes(cs.concept);
    for (const filter of include.filter ?? []) {
      codes = applyFilter(cs.concept, filter, codes);
      if (!codes) return undefined;
    }
    if (include.concept?.length) {
      const listed = new Set(include.concept.map((c) => c.code as string));
      codes = new Set([...codes].filter((c) => listed.has(c)));
    }
    return codes;
  }
}

type Filter = NonNullable<ValueSetComposeInclude['filter']>[number];

function applyFilter(concepts: CodeSystemConcept[], filter: Filter, codes: Set<string>): Set<string> | undefined {
  const { property, op, value } = filter;
  if (property === 'concept' && (op === 'is-a' || op === 'descendent-of')) {
    const root = findConcept(concepts, value as string);
    if (!root) return new Set();
    const below = allCodes(root.concept ?? []);
    if (op === 'is-a') below.add(root.code as string);
    return new Set([...codes].filter((c) => below.has(c)));
  }
  if (property === 'concept' && op === '=') return new Set([...codes].filter((c) => c === value));
  return undefined;
}

/** The concept with `code` anywhere in a CodeSystem's hierarchy. */
export function findConcept(concepts: CodeSystemConcept[], code: string): CodeSystemConcept | undefined {
  for (const c of concepts) {
    if (c.code === code) return c;
    const below = c.concept ? findConcept(c.concept, code) : undefined;
    if (below) return below;
  }
  return undefined;
}

function allCodes(concepts: CodeSystemConcept[], into = new Set<string>()): Set<string> {
  for (const c of concepts) {
    if (c.code) into.add(c.code);
    if (c.concept) allCodes(c.concept, into);
  }
  return into;
}

function add(out: Map<string, Set<string>>, system: string, codes: Iterable<string>): void {
  let set = out.get(system);
  if (!set) out.set(system, (set = new Set()));
  for (const c of codes) set.add(c);
}

function intersect(a: Map<string, Set<string>>, b: Map<string, Set<string>>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [system, codes] of a) {
    const other = b.get(system);
    if (other) out.set(system, new Set([...codes].filter((c) => other.has(c))));
  }
  return out;
}

function toExpansion(bySystem: Map<string, Set<string>>): Expansion {
  const any = new Set<string>();
  let size = 0;
  for (const codes of bySystem.values()) {
    size += codes.size;
    for (const c of codes) any.add(c);
  }
  return {
    size,
    has: (system, code) => (system === undefined ? false : (bySystem.get(system)?.has(code) ?? false)),
    hasCode: (code) => any.has(code),
    entries: () =>
      [...bySystem.keys()].sort().flatMap((system) => [...(bySystem.get(system) as Set<string>)].sort().map((code) => ({ system, code }))),
  };
}
