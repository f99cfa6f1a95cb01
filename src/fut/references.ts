import { badRequest } from '../fhir/outcome';

/**
 * FUT clients name resources by absolute URL (each FUT service has its own base). Against Kolibri
 * they use its base, so `{base}/Type/id` is the local `Type/id`; a relative `Type/id` is taken as
 * is. Any other absolute URL names a resource on another server and is not one of ours.
 */
export function localReference(baseUrl: string, reference: string | undefined): string | undefined {
  if (reference === undefined) return undefined;
  return reference.startsWith(`${baseUrl}/`) ? reference.slice(baseUrl.length + 1) : reference;
}

/** The id of a reference to `type` (relative or at this server's base; a version suffix dropped), else undefined. */
export function localId(baseUrl: string, reference: string | undefined, type: string): string | undefined {
  const local = localReference(baseUrl, reference);
  const m = local === undefined ? null : new RegExp(`^${type}/([A-Za-z0-9\\-.]{1,64})(/_history/[A-Za-z0-9\\-.]{1,64})?$`).exec(local);
  return m?.[1];
}

/** Like localId, but a missing or malformed reference is a 400 naming the parameter. */
export function requireId(baseUrl: string, reference: string | undefined, type: string, parameter: string): string {
  const id = localId(baseUrl, reference, type);
  if (!id) throw badRequest(`${parameter} must reference a ${type} (${type}/{id} or ${baseUrl}/${type}/{id})${reference ? `, got '${reference}'` : ''}`, [parameter]);
  return id;
}

/** Every `reference` in a resource at this server's base made relative, so the engine's rules see local references. */
export function localizeReferences<T>(baseUrl: string, value: T): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, k === 'reference' && typeof x === 'string' ? localReference(baseUrl, x) : walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
