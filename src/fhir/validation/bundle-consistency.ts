import type { Issue } from '../issue';

/**
 * Bundle checks beyond bdl-7 (a fullUrl occurs once per version, evaluated as an invariant), as
 * the HL7 reference validator makes them; `$validate` only, since a transaction or batch answers
 * these conflicts itself when it processes the entries (https://hl7.org/fhir/R4/http.html#trules).
 * - one resource (type and id) occurs in one entry only, whatever the fullUrls say (history
 *   Bundles aside, where versions of one resource follow each other);
 * - in a document, a versioned reference (`Patient/1/_history/2`) to a resource the Bundle holds
 *   names the version it holds. https://hl7.org/fhir/R4/documents.html#content
 */

interface Entry {
  fullUrl?: unknown;
  resource?: { resourceType?: unknown; id?: unknown; meta?: { versionId?: unknown } };
}

const VERSIONED = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})\/_history\/([A-Za-z0-9\-.]{1,64})$/;

export function bundleConsistency(bundle: Record<string, unknown>): Issue[] {
  if (bundle.resourceType !== 'Bundle' || !Array.isArray(bundle.entry)) return [];
  const entries = bundle.entry as (Entry | null)[];
  const issues: Issue[] = [];
  const byIdentity = new Map<string, number>();
  entries.forEach((entry, i) => {
    const r = entry?.resource;
    if (bundle.type === 'history' || typeof r?.resourceType !== 'string' || typeof r.id !== 'string') return;
    const identity = `${r.resourceType}/${r.id}`;
    const first = byIdentity.get(identity);
    if (first === undefined) byIdentity.set(identity, i);
    else issues.push(error(`Bundle.entry[${i}]`, `Duplicate resource ${identity} in the Bundle: entries [${first}] and [${i}] hold the same resource (type and id)`));
  });
  if (bundle.type === 'document') issues.push(...documentVersions(entries, byIdentity));
  return issues;
}

function documentVersions(entries: (Entry | null)[], byIdentity: Map<string, number>): Issue[] {
  const issues: Issue[] = [];
  entries.forEach((entry, i) => {
    if (!entry?.resource) return;
    visitReferences(entry.resource, `Bundle.entry[${i}].resource`, (reference, at) => {
      const m = VERSIONED.exec(reference);
      if (!m) return;
      const held = byIdentity.get(`${m[1]}/${m[2]}`);
      const version = held === undefined ? undefined : entries[held]?.resource?.meta?.versionId;
      if (typeof version === 'string' && version !== m[3]) {
        issues.push(error(at, `The reference '${reference}' is to version ${m[3]} of ${m[1]}/${m[2]}, but the document holds version ${version} (Bundle.entry[${held}])`));
      }
    });
  });
  return issues;
}

/** Every `reference` string in a resource, with its expression. */
function visitReferences(value: unknown, at: string, visit: (reference: string, at: string) => void): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => visitReferences(v, `${at}[${i}]`, visit));
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'reference' && typeof v === 'string') visit(v, `${at}.reference`);
      else if (typeof v === 'object') visitReferences(v, `${at}.${key}`, visit);
    }
  }
}

function error(expression: string, diagnostics: string): Issue {
  return { severity: 'error', code: 'invalid', diagnostics: `${expression}: ${diagnostics}`, expression: [expression] };
}
