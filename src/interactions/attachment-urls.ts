import type { Resource } from '@medplum/fhirtypes';
import type { Issue } from '../fhir/issue';
import type { InteractionDeps } from './types';

/**
 * `$validate`'s check that a DocumentReference's attachment URLs resolve, as the reference
 * validator makes it: `#id` names a contained resource; a reference into this server
 * (`Binary/1`, `<base>/Binary/1`) names a resource the caller may read; a `urn:uuid:` or
 * `urn:oid:` names an entry of the Bundle the DocumentReference is in (and nothing outside one).
 * In a Bundle, `Type/id` may also name one of its entries. Other absolute URLs are not fetched.
 * A resource the caller may not see answers exactly like one that does not exist.
 * https://hl7.org/fhir/R4/documentreference-definitions.html#DocumentReference.content.attachment
 */

type Deps = Pick<InteractionDeps, 'store' | 'access' | 'registry' | 'baseUrl'>;

const LOCAL = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([0-9]{1,9}))?$/;

/** What a Bundle holds: its entries' fullUrls and `Type/id`s. */
interface BundleNames {
  fullUrls: Set<string>;
  identities: Set<string>;
}

export async function attachmentUrlIssues(deps: Deps, resource: Resource): Promise<Issue[]> {
  if (resource.resourceType === 'DocumentReference') return documentIssues(deps, resource, 'DocumentReference', undefined);
  if (resource.resourceType !== 'Bundle') return [];
  const entries = resource.entry ?? [];
  const names: BundleNames = { fullUrls: new Set(), identities: new Set() };
  for (const e of entries) {
    if (e.fullUrl) names.fullUrls.add(e.fullUrl);
    if (e.resource?.id) names.identities.add(`${e.resource.resourceType}/${e.resource.id}`);
  }
  const issues: Issue[] = [];
  for (const [i, e] of entries.entries()) {
    if (e.resource?.resourceType === 'DocumentReference') issues.push(...(await documentIssues(deps, e.resource, `Bundle.entry[${i}].resource`, names)));
  }
  return issues;
}

async function documentIssues(deps: Deps, doc: Resource & { resourceType: 'DocumentReference' }, at: string, bundle: BundleNames | undefined): Promise<Issue[]> {
  const issues: Issue[] = [];
  const contained = new Set((doc.contained ?? []).map((c) => `#${c.id}`));
  for (const [i, content] of (doc.content ?? []).entries()) {
    const url = content.attachment?.url;
    if (typeof url !== 'string' || (await resolves(deps, url, contained, bundle))) continue;
    const expression = `${at}.content[${i}].attachment.url`;
    issues.push({ severity: 'error', code: 'not-found', diagnostics: `${expression}: URL value '${url}' does not resolve`, expression: [expression] });
  }
  return issues;
}

async function resolves(deps: Deps, url: string, contained: Set<string>, bundle: BundleNames | undefined): Promise<boolean> {
  if (url.startsWith('#')) return contained.has(url);
  if (bundle?.fullUrls.has(url)) return true;
  if (/^urn:(uuid|oid):/.test(url)) return false;
  const base = `${deps.baseUrl.replace(/\/$/, '')}/`;
  const local = url.startsWith(base) ? url.slice(base.length) : /^[a-z][a-z0-9+.-]*:/i.test(url) ? undefined : url;
  if (local === undefined) return true; // elsewhere on the web: not fetched
  const m = LOCAL.exec(local);
  if (!m || !deps.registry.isResourceType(m[1])) return false;
  if (bundle?.identities.has(`${m[1]}/${m[2]}`)) return true;
  if (!deps.access.mayUse('read', m[1])) return false;
  const version = m[3] ? await deps.store.vread(m[1], m[2], Number(m[3])) : await deps.store.read(m[1], m[2]);
  if (!version || version.deleted || version.json === null) return false;
  return deps.access.canSee(JSON.parse(version.json) as Resource);
}
