import type { CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../../definitions/registry';
import type { ValueError } from './types';

/**
 * A ValueSet the server holds, expanded for `:in` / `:not-in`
 * (https://hl7.org/fhir/R4/search.html#modifiers). Supported: `expansion.contains`, and
 * `compose.include` of listed concepts, of whole code systems (with their concepts when the
 * CodeSystem is held, else "any code of that system") and of other ValueSets. Filters and
 * excludes need a terminology service: such a ValueSet is refused with a clear error rather
 * than matched wrongly.
 */
export interface Expansion {
  codes: { system: string; code: string }[];
  /** Systems included whole, when the CodeSystem itself is not held. */
  systems: string[];
}

const MAX_CODES = 10_000;

export function expandValueSet(url: string, registry: DefinitionRegistry): Expansion | ValueError {
  const out: Expansion = { codes: [], systems: [] };
  const error = expandInto(url, registry, out, new Set());
  if (error) return { error };
  if (out.codes.length > MAX_CODES) return { error: `ValueSet ${url} has more than ${MAX_CODES} codes` };
  return out;
}

function expandInto(url: string, registry: DefinitionRegistry, out: Expansion, seen: Set<string>): string | undefined {
  if (seen.has(url)) return undefined;
  seen.add(url);
  const vs: ValueSet | undefined = registry.valueSet(url);
  if (!vs) return `unknown ValueSet '${url}'`;
  if (vs.expansion?.contains?.length) {
    for (const c of vs.expansion.contains) if (c.system && c.code) out.codes.push({ system: c.system, code: c.code });
    return undefined;
  }
  if (vs.compose?.exclude?.length) return `ValueSet '${url}' uses compose.exclude, which needs a terminology service`;
  for (const include of vs.compose?.include ?? []) {
    if (include.filter?.length) return `ValueSet '${url}' uses compose.include.filter, which needs a terminology service`;
    for (const nested of include.valueSet ?? []) {
      const error = expandInto(nested, registry, out, seen);
      if (error) return error;
    }
    const system = include.system;
    if (!system) continue;
    if (include.concept?.length) {
      for (const c of include.concept) out.codes.push({ system, code: c.code as string });
      continue;
    }
    const cs = registry.codeSystem(system);
    if (cs?.concept?.length && cs.content === 'complete') collectConcepts(system, cs.concept, out);
    else out.systems.push(system);
  }
  return undefined;
}

function collectConcepts(system: string, concepts: readonly CodeSystemConcept[], out: Expansion): void {
  for (const c of concepts) {
    if (c.code) out.codes.push({ system, code: c.code });
    if (c.concept) collectConcepts(system, c.concept, out);
  }
}
