import type { SearchParameter } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../definitions/registry';
import { expressionFor } from './expression';
import { handlerFor } from './params/handlers';

/**
 * Which SearchParameters this server really answers, per type: the single source for the
 * parser (unknown vs unsupported) and the CapabilityStatement ("lists exactly the parameters
 * that work"). Not supported: `special` parameters (Location `near`) and the expression-less
 * `_text`, `_content`, `_query` (full-text search and named queries).
 */

/**
 * Search parameters with no SearchParameter definition that every type answers: the reverse
 * chain `_has` (https://hl7.org/fhir/R4/search.html#has) and `_list`
 * (https://hl7.org/fhir/R4/search.html#list, a `_has` over List.entry.item); declared in the
 * CapabilityStatement beside the defined ones.
 */
export const UNDEFINED_PARAMS: ReadonlyArray<{ name: string; type: 'special' | 'reference'; documentation: string }> = [
  { name: '_has', type: 'special', documentation: 'Reverse chaining: _has:Type:reference:parameter=value' },
  { name: '_list', type: 'reference', documentation: 'Resources named in List.entry.item of the List with this id (not functional lists)' },
];

/** Served from resource columns rather than index rows. */
export const COLUMN_PARAMS: ReadonlySet<string> = new Set(['_id', '_lastUpdated']);

const byUrlCache = new WeakMap<DefinitionRegistry, Map<string, SearchParameter>>();

/** Every SearchParameter of the registry by canonical URL (composite components refer by URL). */
export function definitionsByUrl(registry: DefinitionRegistry): Map<string, SearchParameter> {
  let byUrl = byUrlCache.get(registry);
  if (!byUrl) {
    byUrl = new Map();
    for (const t of ['Resource', 'DomainResource', ...registry.resourceTypes()]) {
      for (const p of registry.searchParameters(t)) if (p.url) byUrl.set(p.url, p);
    }
    byUrlCache.set(registry, byUrl);
  }
  return byUrl;
}

/** Whether `code` on `resourceType` is indexed and searchable. */
export function isIndexed(registry: DefinitionRegistry, resourceType: string, code: string): boolean {
  if (COLUMN_PARAMS.has(code)) return true;
  const sp = registry.searchParameter(resourceType, code);
  if (!sp?.expression || !handlerFor(sp.type) || !expressionFor(sp.expression, resourceType)) return false;
  if (sp.type !== 'composite') return true;
  const components = compositeComponents(sp, registry);
  return components.length > 0 && components.every((c) => handlerFor(c.type) !== undefined);
}

/** One component of a composite SearchParameter: its value type and expression (relative to the composite's nodes). */
export interface CompositeComponent {
  type: string | undefined;
  expression: string | undefined;
}

/**
 * R4 composites whose component expressions are listed against the wrong definitions.
 * DocumentReference `relationship` is `relatesTo.target$relatesTo.code` (a reference, then a
 * token), but R4 pairs the reference definition (`DocumentReference-relatesto`) with the
 * expression `code` and the token (`DocumentReference-relation`) with `target`, so read as
 * published nothing is indexed and every search finds nothing.
 */
const SWAPPED_EXPRESSIONS: ReadonlySet<string> = new Set(['http://hl7.org/fhir/SearchParameter/DocumentReference-relationship']);

/** The components of a composite in search-value order, with the R4 errata above corrected. */
export function compositeComponents(sp: SearchParameter, registry: DefinitionRegistry): CompositeComponent[] {
  const byUrl = definitionsByUrl(registry);
  const components = (sp.component ?? []).map((c) => ({ type: byUrl.get(c.definition as string)?.type as string | undefined, expression: c.expression }));
  if (sp.url && SWAPPED_EXPRESSIONS.has(sp.url) && components.length === 2) {
    return [
      { type: components[0].type, expression: components[1].expression },
      { type: components[1].type, expression: components[0].expression },
    ];
  }
  return components;
}

/** The SearchParameters of a type that search answers (for the CapabilityStatement). */
export function supportedSearchParameters(registry: DefinitionRegistry, resourceType: string): SearchParameter[] {
  return registry.searchParameters(resourceType).filter((sp) => isIndexed(registry, resourceType, sp.code as string));
}
