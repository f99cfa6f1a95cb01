// https://hl7.org/fhir/R4/http.html#patch
import type { Operation } from 'fast-json-patch';
import { checkJsonInput } from '../json-input';
import { badRequest, FhirError, unsupportedMediaType } from '../outcome';
import { parseFhirPathPatch, type FhirPathPatchOperation } from './fhirpath-patch-operations';
import { applyFhirPathPatch } from './fhirpath-patch';
import { applyJsonPatch, parseJsonPatch } from './json-patch';
import { applyMetaChange, type MetaChange } from './meta-change';

/** A parsed, syntactically checked patch: JSON Patch, FHIRPath Patch, or $meta-add / $meta-delete's change of meta. */
export type PatchDocument =
  | { kind: 'json-patch'; operations: Operation[] }
  | { kind: 'fhirpath-patch'; operations: FhirPathPatchOperation[] }
  | ({ kind: 'meta' } & MetaChange);

const JSON_PATCH = 'application/json-patch+json';

/**
 * The patch in a PATCH request body. `application/json-patch+json` is JSON Patch; a FHIR JSON
 * body must be a Parameters resource (FHIRPath Patch). Anything else → 415.
 */
export function parsePatchBody(contentType: string | undefined, body: unknown): PatchDocument {
  const mediaType = contentType?.split(';')[0].trim().toLowerCase();
  if (mediaType === JSON_PATCH) return { kind: 'json-patch', operations: parseJsonPatch(body) };
  if (mediaType === 'application/fhir+json' || mediaType === 'application/json') {
    if (Array.isArray(body)) {
      throw unsupportedMediaType(`A JSON Patch must be sent as ${JSON_PATCH}; a FHIR JSON body must be a Parameters resource (FHIRPath Patch)`);
    }
    return { kind: 'fhirpath-patch', operations: parseFhirPathPatch(body) };
  }
  throw unsupportedMediaType(`PATCH takes ${JSON_PATCH} (JSON Patch) or application/fhir+json (FHIRPath Patch Parameters)`);
}

/**
 * The patch of a transaction or batch entry: its resource is a Parameters (FHIRPath Patch) or
 * a Binary whose contentType is application/json-patch+json and whose data is the JSON Patch.
 */
export function parsePatchResource(resource: unknown): PatchDocument {
  const r = resource as { resourceType?: unknown; contentType?: unknown; data?: unknown } | undefined;
  if (r?.resourceType === 'Parameters') return { kind: 'fhirpath-patch', operations: parseFhirPathPatch(r) };
  if (r?.resourceType === 'Binary') {
    if (typeof r.contentType !== 'string' || r.contentType.split(';')[0].trim().toLowerCase() !== JSON_PATCH) {
      throw badRequest(`A PATCH entry's Binary must have contentType ${JSON_PATCH}`);
    }
    if (typeof r.data !== 'string') throw badRequest('A PATCH entry\'s Binary has no data');
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(r.data, 'base64').toString('utf8'));
    } catch {
      throw badRequest('A PATCH entry\'s Binary data is not base64-encoded JSON');
    }
    // decoded here, so the request's own JSON check (http/content-type.ts) never saw it
    const issue = checkJsonInput(body);
    if (issue) throw new FhirError(400, [issue]);
    return { kind: 'json-patch', operations: parseJsonPatch(body) };
  }
  throw badRequest('A PATCH entry needs a resource: Parameters (FHIRPath Patch) or Binary (JSON Patch)');
}

/** Apply a patch to a copy of `resource`. */
export function applyPatch(resource: Record<string, unknown>, patch: PatchDocument): Record<string, unknown> {
  if (patch.kind === 'meta') return applyMetaChange(resource, patch);
  return patch.kind === 'json-patch' ? applyJsonPatch(resource, patch.operations) : applyFhirPathPatch(resource, patch.operations);
}
