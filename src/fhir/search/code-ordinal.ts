import type { CodeSystem, CodeSystemConcept, SearchParameter } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../definitions/registry';

/** R4 core extension: "a numeric value that allows the comparison (less than, greater than) … of a concept". */
export const ORDINAL_VALUE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/ordinalValue';

/**
 * The ordinals a token sort on `param` uses, or undefined when its codes have none: the code
 * system(s) of the ValueSet the parameter's element is bound to, and their supplements, may give
 * concepts an `ordinalValue`. Then `_sort` orders by the ordinal (lowest first; codes without one
 * last) instead of alphabetically — e.g. Task.priority through the request-priority supplement in
 * fhir-profiles/: stat 1, asap 2, urgent 3, routine 4.
 */
export function codeOrdinals(registry: DefinitionRegistry, types: readonly string[], param: SearchParameter): Map<string, number> | undefined {
  const systems = new Set<string>();
  for (const type of types) {
    for (const path of elementPaths(param.expression ?? '', type)) {
      const element = registry.structureDefinition(type)?.snapshot?.element?.find((e) => e.path === path);
      const valueSet = element?.binding?.valueSet ? registry.valueSet(element.binding.valueSet) : undefined;
      for (const include of valueSet?.compose?.include ?? []) if (include.system) systems.add(include.system);
    }
  }
  const ordinals = new Map<string, number>();
  for (const system of systems) {
    for (const cs of [registry.codeSystem(system), ...registry.supplementsOf(system)]) collect(cs, ordinals);
  }
  return ordinals.size ? ordinals : undefined;
}

function collect(cs: CodeSystem | undefined, into: Map<string, number>): void {
  const walk = (concepts: readonly CodeSystemConcept[] | undefined) => {
    for (const c of concepts ?? []) {
      const ordinal = c.extension?.find((e) => e.url === ORDINAL_VALUE_EXTENSION)?.valueDecimal;
      if (c.code && typeof ordinal === 'number') into.set(c.code, ordinal);
      walk(c.concept);
    }
  };
  walk(cs?.concept);
}

/** Simple FHIRPath element paths of `type` in an expression (`Task.priority`, `A.x | B.y`). */
function elementPaths(expression: string, type: string): string[] {
  return expression
    .split('|')
    .map((p) => p.trim())
    .filter((p) => p.startsWith(`${type}.`) && /^[A-Za-z.]+$/.test(p));
}
