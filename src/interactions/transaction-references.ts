import type { DefinitionRegistry } from '../fhir/definitions/registry';
import { FhirError } from '../fhir/outcome';
import { BundleUrls, parseConditionalReference } from '../fhir/references/bundle-urls';
import { ReferencePlans } from '../fhir/references/reference-plan';
import { visitReferences } from '../fhir/references/reference-walk';
import type { ParsedEntry } from './transaction-entry';
import { entryError } from './transaction-response';

const plansByRegistry = new WeakMap<DefinitionRegistry, ReferencePlans>();

/** Reference plans for a registry, compiled once and shared by every bundle. */
export function referencePlans(registry: DefinitionRegistry): ReferencePlans {
  let plans = plansByRegistry.get(registry);
  if (!plans) plansByRegistry.set(registry, (plans = new ReferencePlans(registry)));
  return plans;
}

/** The resources of an entry in which references are rewritten (a FHIRPath Patch's values too). */
export function entryResource(entry: ParsedEntry): Record<string, unknown> | undefined {
  const a = entry.action;
  if (a.kind === 'create' || a.kind === 'update' || a.kind === 'conditional-update') return a.resource as unknown as Record<string, unknown>;
  if (a.kind === 'patch') return a.source;
  return undefined;
}

/** References that can only mean an entry of the same bundle (https://hl7.org/fhir/R4/bundle.html#references). */
export const BUNDLE_LOCAL = /^urn:(uuid|oid):/;

/**
 * Rewrite every reference to an entry's fullUrl in `entries`' resources, in place; returns the
 * conditional references (`Patient?identifier=…`) found, per entry index, for resolving.
 * A `urn:uuid:`/`urn:oid:` reference that is no entry's fullUrl fails the transaction (400
 * naming the entry): it can resolve nowhere, and was stored as it was.
 */
export function rewriteReferences(
  registry: DefinitionRegistry,
  entries: readonly ParsedEntry[],
  urls: BundleUrls,
  resources: (entry: ParsedEntry) => Record<string, unknown> | undefined = entryResource,
): Map<number, Set<string>> {
  const plans = referencePlans(registry);
  const conditional = new Map<number, Set<string>>();
  const fullUrls = new Set(entries.map((e) => e.fullUrl));
  for (const entry of entries) {
    const resource = resources(entry);
    if (!resource) continue;
    visitReferences(plans, resource, {
      reference: (value) => {
        const target = urls.reference(value, entry.fullUrl);
        if (target === undefined && parseConditionalReference(value)) {
          let found = conditional.get(entry.index);
          if (!found) conditional.set(entry.index, (found = new Set()));
          found.add(value);
        }
        if (target === undefined && BUNDLE_LOCAL.test(value) && !fullUrls.has(value)) throw dangling(entry, entries.length, resource, value);
        return target;
      },
      uri: (value) => urls.uri(value),
    });
  }
  return conditional;
}

function dangling(entry: ParsedEntry, total: number, resource: Record<string, unknown>, reference: string): FhirError {
  const err = new FhirError(400, [
    { severity: 'error', code: 'not-found', diagnostics: `Reference '${reference}' is not the fullUrl of any entry in this transaction` },
  ]);
  const resourceType = typeof resource.resourceType === 'string' ? resource.resourceType : undefined;
  return entryError(err, entry.index, total, { method: entry.method, url: entry.url, resourceType });
}
