import type { Resource } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcome';
import { prepareCreate } from './create';
import { prepareDelete, type PreparedDelete } from './delete';
import { preparePatch, type PreparedPatch } from './patch';
import { checkClientId, checkResourceBody } from './resource-input';
import type { EntryRequest } from './transaction-hooks';
import type { ParsedEntry } from './transaction-entry';
import type { InteractionDeps } from './types';
import { prepareUpdate, type PreparedUpdate } from './update';
import { parseIfMatch } from './version-headers';

/** An entry checked exactly as the equivalent single request would be, ready to run. */
export type PreparedAction =
  | { kind: 'create'; type: string; resource: Resource; ifNoneExist?: string }
  | { kind: 'update'; type: string; id: string; update: PreparedUpdate }
  | { kind: 'conditional-update'; type: string; query: string; resource: Resource; ifMatch?: number }
  | { kind: 'patch'; type: string; id: string; patch: PreparedPatch }
  | { kind: 'delete'; type: string; id: string; remove: PreparedDelete }
  | { kind: 'conditional-delete'; type: string; query: string }
  | { kind: 'read'; type: string; id: string }
  | { kind: 'vread'; type: string; id: string; vid: number }
  | { kind: 'history'; type?: string; id?: string; query: string }
  | { kind: 'search'; type?: string; query: string };

export interface PreparedEntry extends ParsedEntry {
  prepared: PreparedAction;
}

/**
 * Validate an entry with the single interactions' own prepare functions (type, id, If-Match,
 * base and profile validation of the resource), so a bundle entry passes exactly the checks
 * its request would on its own.
 */
export function prepareEntry(deps: Pick<InteractionDeps, 'registry' | 'validator'>, entry: ParsedEntry): PreparedEntry {
  const a = entry.action;
  let prepared: PreparedAction;
  switch (a.kind) {
    case 'create':
      prepared = { kind: 'create', type: a.type, resource: prepareCreate(deps, a.type, a.resource), ifNoneExist: a.ifNoneExist };
      break;
    case 'update':
      prepared = { kind: 'update', type: a.type, id: a.id, update: prepareUpdate(deps, a.type, a.id, a.resource, a.ifMatch) };
      break;
    case 'conditional-update':
      prepared = { kind: 'conditional-update', type: a.type, query: a.query, resource: checkResourceBody(deps, a.type, a.resource), ifMatch: parseIfMatch(a.ifMatch) };
      // with no match, the body's id becomes the new resource's id
      if (prepared.resource.id !== undefined) checkClientId(a.type, prepared.resource.id);
      break;
    case 'patch':
      prepared = { kind: 'patch', type: a.type, id: a.id, patch: preparePatch(deps, a.type, a.id, a.patch, a.ifMatch) };
      break;
    case 'delete':
      prepared = { kind: 'delete', type: a.type, id: a.id, remove: prepareDelete(deps, a.type, a.id, a.ifMatch) };
      break;
    case 'vread':
      if (!/^\d{1,9}$/.test(a.vid)) throw badRequest(`'${a.vid}' is not a version id`);
      prepared = { kind: 'vread', type: a.type, id: a.id, vid: Number(a.vid) };
      break;
    default:
      prepared = a;
  }
  return { ...entry, prepared };
}

/** The entry as the authorization hook sees it. */
export function entryRequest(entry: PreparedEntry): EntryRequest {
  const p = entry.prepared;
  const base = { index: entry.index, method: entry.method, url: entry.url, type: p.type ?? '' };
  switch (p.kind) {
    case 'create':
      return { ...base, interaction: 'create', resource: p.resource };
    case 'update':
      return { ...base, interaction: 'update', id: p.id, resource: p.update.resource };
    case 'conditional-update':
      return { ...base, interaction: 'update', resource: p.resource };
    case 'patch':
      return { ...base, interaction: 'patch', id: p.id };
    case 'delete':
      return { ...base, interaction: 'delete', id: p.id };
    case 'conditional-delete':
      return { ...base, interaction: 'delete' };
    case 'read':
      return { ...base, interaction: 'read', id: p.id };
    case 'vread':
      return { ...base, interaction: 'vread', id: p.id };
    case 'history':
      return { ...base, interaction: 'history', ...(p.id ? { id: p.id } : {}) };
    case 'search':
      return { ...base, interaction: 'search' };
  }
}

/** Processing order: https://hl7.org/fhir/R4/http.html#trules (DELETE, POST, PUT/PATCH, GET/HEAD). */
export function processingRank(entry: ParsedEntry): number {
  return { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 }[entry.method];
}
