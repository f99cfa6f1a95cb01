// https://hl7.org/fhir/R4/bundle-definitions.html#Bundle.entry.request
import type { Resource } from '@medplum/fhirtypes';
import { badRequest, notSupported } from '../fhir/outcome';
import { parsePatchResource, type PatchDocument } from '../fhir/patch/patch-document';
import { checkId, checkType } from './resource-input';
import type { InteractionDeps } from './types';

export type EntryMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What an entry asks for, read from its request (nothing validated against the store yet). */
export type EntryAction =
  | { kind: 'create'; type: string; resource: Resource; ifNoneExist?: string }
  | { kind: 'update'; type: string; id: string; resource: Resource; ifMatch?: string }
  | { kind: 'conditional-update'; type: string; query: string; resource: Resource; ifMatch?: string }
  | { kind: 'patch'; type: string; id: string; patch: PatchDocument; ifMatch?: string; source: Record<string, unknown> }
  | { kind: 'delete'; type: string; id: string; ifMatch?: string }
  | { kind: 'conditional-delete'; type: string; query: string }
  | { kind: 'read'; type: string; id: string }
  | { kind: 'vread'; type: string; id: string; vid: string }
  | { kind: 'history'; type?: string; id?: string; query: string }
  | { kind: 'search'; type?: string; query: string };

export interface ParsedEntry {
  /** 0-based position in Bundle.entry. */
  index: number;
  method: EntryMethod;
  url: string;
  fullUrl?: string;
  action: EntryAction;
}

const METHODS = new Set<EntryMethod>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Read one Bundle.entry: its request method and URL (relative to the base, or absolute under
 * it), the resource it carries and its conditional headers. Malformed → 400.
 */
export function parseEntry(deps: Pick<InteractionDeps, 'registry' | 'baseUrl'>, raw: unknown, index: number): ParsedEntry {
  if (!isObject(raw)) throw badRequest('The entry must be an object');
  const request = raw.request;
  if (!isObject(request)) throw badRequest('The entry has no request (method and url)');
  const method = request.method;
  if (typeof method !== 'string' || !METHODS.has(method as EntryMethod)) {
    throw badRequest(`request.method must be one of ${[...METHODS].join(', ')}`);
  }
  if (typeof request.url !== 'string' || request.url.trim() === '') throw badRequest('request.url is missing');
  const fullUrl = typeof raw.fullUrl === 'string' ? raw.fullUrl : undefined;
  const url = request.url.trim();
  const action = actionOf(deps, method as EntryMethod, url, raw.resource, request);
  return { index, method: method as EntryMethod, url, ...(fullUrl ? { fullUrl } : {}), action };
}

function actionOf(
  deps: Pick<InteractionDeps, 'registry' | 'baseUrl'>,
  method: EntryMethod,
  url: string,
  resource: unknown,
  request: Record<string, unknown>,
): EntryAction {
  const local = url.startsWith(`${deps.baseUrl}/`) ? url.slice(deps.baseUrl.length + 1) : url.replace(/^\//, '');
  if (/^[a-z]+:/.test(local)) throw badRequest(`request.url '${url}' is not on this server (${deps.baseUrl})`);
  const q = local.indexOf('?');
  const path = q < 0 ? local : local.slice(0, q);
  const query = q < 0 ? '' : local.slice(q + 1);
  const [type, id, history, vid, ...extra] = path.split('/').filter((s, i) => s !== '' || i === 0);
  const header = (name: string) => (typeof request[name] === 'string' && request[name] !== '' ? (request[name] as string) : undefined);
  const wrong = () => badRequest(`${method} ${url} is not a FHIR interaction this server can process in a bundle`);
  if (extra.length || (history !== undefined && history !== '_history')) throw wrong();
  if (type === '' || type === '_history' || type === 'metadata' || type.startsWith('$') || id?.startsWith('$')) {
    if (method === 'GET' || method === 'HEAD') throw notSupported(`${method} ${url} is not supported in a bundle`);
    throw wrong();
  }
  checkType(deps, type);
  if (id !== undefined && id !== '_history' && id !== '_search') checkId(id);
  const body = (): Resource => {
    if (!isObject(resource)) throw badRequest(`A ${method} entry needs a resource`);
    return resource as unknown as Resource;
  };

  switch (method) {
    case 'POST':
      if (id !== undefined || query) throw wrong();
      return { kind: 'create', type, resource: body(), ifNoneExist: header('ifNoneExist') };
    case 'PUT':
      if (id === undefined && query) return { kind: 'conditional-update', type, query, resource: body(), ifMatch: header('ifMatch') };
      if (id === undefined || history !== undefined || query) throw wrong();
      return { kind: 'update', type, id, resource: body(), ifMatch: header('ifMatch') };
    case 'PATCH':
      if (id === undefined || history !== undefined || query) {
        if (id === undefined && query) throw notSupported('Conditional patch is not supported inside a bundle; send PATCH [type]?[criteria] on its own');
        throw wrong();
      }
      // The operations share the Parameters' objects, so rewriting references in it reaches them.
      return { kind: 'patch', type, id, patch: parsePatchResource(resource), ifMatch: header('ifMatch'), source: resource as Record<string, unknown> };
    case 'DELETE':
      if (id === undefined && query) return { kind: 'conditional-delete', type, query };
      if (id === undefined || history !== undefined || query) throw wrong();
      return { kind: 'delete', type, id, ifMatch: header('ifMatch') };
    default: // GET, HEAD
      if (id === undefined || id === '_search') return { kind: 'search', type, query };
      if (id === '_history') return { kind: 'history', type, query };
      if (history === undefined) return { kind: 'read', type, id };
      if (vid === undefined) return { kind: 'history', type, id, query };
      return { kind: 'vread', type, id, vid };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
