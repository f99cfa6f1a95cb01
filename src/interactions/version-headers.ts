import { badRequest } from '../fhir/outcome';
import type { StoredVersion } from '../store/versions';

/** ETag and Last-Modified of a version (https://hl7.org/fhir/R4/http.html#versioning). */
export function versionHeaders(v: Pick<StoredVersion, 'versionId' | 'lastUpdated'>): Record<string, string> {
  return { etag: `W/"${v.versionId}"`, 'last-modified': new Date(v.lastUpdated).toUTCString() };
}

/** Location of a version: `[base]/[type]/[id]/_history/[vid]`. */
export function versionLocation(baseUrl: string, v: Pick<StoredVersion, 'resourceType' | 'id' | 'versionId'>): string {
  return `${baseUrl}/${v.resourceType}/${v.id}/_history/${v.versionId}`;
}

/**
 * Parse an If-Match value: `W/"3"`, `"3"` (and, leniently, `3`) → 3. Undefined when absent;
 * a malformed value is a 400, never silently ignored (that would defeat the precondition).
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!m) throw badRequest(`If-Match must be a version ETag such as W/"3", got '${header}'`);
  return Number(m[1]);
}
