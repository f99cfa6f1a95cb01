// https://hl7.org/fhir/R4/http.html#history
import { badRequest, notFound } from '../fhir/outcome';
import { decodeCursor, encodeCursor } from '../store/history';
import type { ResourceStore } from '../store/resources';
import type { StoredVersion } from '../store/versions';
import { bundleJson, type BundleEntryText } from './bundle-json';
import { checkId, checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { ensureVersionVisible } from './read';

export type Query = Record<string, string | string[] | undefined>;

const DEFAULT_COUNT = 20;
const MAX_COUNT = 1000;
const KNOWN = new Set(['_count', '_since', '_cursor', '_format', '_pretty']);

/** Where history reads from: the store, or a transaction that must see its own writes. */
export type HistorySource = Pick<ResourceStore, 'read' | 'history'>;

/** History at system (no type), type (no id) or instance level, newest first, keyset-paged. */
export async function history(
  deps: InteractionDeps,
  level: { type?: string; id?: string },
  query: Query,
  source: HistorySource = deps.store,
): Promise<InteractionResult> {
  if (level.type) checkType(deps, level.type);
  if (level.id) checkId(level.id);
  for (const name of Object.keys(query)) {
    if (name === '_at') throw badRequest('_at is not supported for history; use _since', ['_at']);
    if (!KNOWN.has(name)) throw badRequest(`Unknown history parameter '${name}'`, [name]);
  }
  const count = parseCount(single(query, '_count'));
  const since = parseSince(single(query, '_since'));
  const cursorText = single(query, '_cursor');
  const cursor = cursorText === undefined ? undefined : decodeCursor(cursorText);
  if (cursorText !== undefined && !cursor) throw badRequest('_cursor is not a valid paging token', ['_cursor']);

  if (level.type) deps.access.requireScope(level.id ? 'read' : 'search', level.type);
  if (level.type && level.id) {
    // Instance history is as visible as the resource itself: 404 otherwise, as for a read, and
    // the same 404 for a resource that never existed.
    const current = await source.read(level.type, level.id);
    if (!current) throw notFound(`${level.type}/${level.id} is not known`);
    await ensureVersionVisible(deps, current);
  }
  // Type and system history: only what the caller may see, decided in SQL like search.
  const restricted = !level.id && !deps.access.unrestricted;
  const page = await source.history({
    resourceType: level.type,
    id: level.id,
    since,
    count,
    cursor,
    ...(restricted ? { access: deps.access.searchFilter(), candidates: deps.access.historyCandidates(), types: readableTypes(deps) } : {}),
  });
  const path = [level.type, level.id, '_history'].filter(Boolean).join('/');
  const link = (c?: string) => {
    const params = new URLSearchParams();
    params.set('_count', String(count));
    if (since) params.set('_since', since);
    if (c) params.set('_cursor', c);
    return `${deps.baseUrl}/${path}?${params}`;
  };
  const links = [{ relation: 'self', url: link(cursorText) }];
  if (page.next) links.push({ relation: 'next', url: link(encodeCursor(page.next)) });
  const body = bundleJson(
    { type: 'history', ...(page.total !== undefined ? { total: page.total } : {}), link: links },
    page.entries.map((v) => historyEntry(deps.baseUrl, v)),
  );
  return { status: 200, body };
}

function historyEntry(baseUrl: string, v: StoredVersion): BundleEntryText {
  const created = v.method === 'POST';
  return {
    fields: {
      fullUrl: `${baseUrl}/${v.resourceType}/${v.id}`,
      request: { method: v.method, url: created ? v.resourceType : `${v.resourceType}/${v.id}` },
      response: {
        status: created ? '201' : v.deleted ? '204' : '200',
        etag: `W/"${v.versionId}"`,
        lastModified: v.lastUpdated,
      },
    },
    resourceJson: v.json,
  };
}

export function single(query: Query, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) {
    if (v.length > 1) throw badRequest(`${name} may be given only once`, [name]);
    return v[0];
  }
  return v;
}

function parseCount(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_COUNT;
  if (!/^\d+$/.test(raw)) throw badRequest(`_count must be a non-negative integer, got '${raw}'`, ['_count']);
  return Math.min(Math.max(Number(raw), 1), MAX_COUNT);
}

// https://hl7.org/fhir/R4/datatypes.html#instant: _since takes an instant
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

function parseSince(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!INSTANT.test(raw) || Number.isNaN(Date.parse(raw))) {
    throw badRequest(`_since must be an instant such as 2026-05-01T08:00:00Z, got '${raw}'`, ['_since']);
  }
  return raw;
}

/**
 * The types type and system history may list for the caller: those its scopes let it read or
 * search without a query restriction (a restricted scope's filter cannot be applied to old
 * versions); undefined when a wildcard scope allows every type.
 */
function readableTypes(deps: InteractionDeps): string[] | undefined {
  const scopes = deps.access.auth.scopes.filter((s) => (s.permissions.includes('r') || s.permissions.includes('s')) && !s.restriction);
  if (scopes.some((s) => s.resourceType === '*')) return undefined;
  return [...new Set(scopes.map((s) => s.resourceType))];
}
