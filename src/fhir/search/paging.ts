import { hasNul } from '../control-characters';
import { badRequest } from '../outcome';
import type { SortKey } from './ast';

/**
 * Keyset paging (https://hl7.org/fhir/R4/http.html#paging): a `_page` token names the sort-key
 * values and rid of the row a page ends (next) or starts (previous) at, so a page is "the
 * `_count` rows after/before that row in sort order". New or changed resources therefore never
 * shift rows between pages: nothing is skipped or repeated, unlike OFFSET paging.
 * The token is base64url JSON; it carries the sort signature, and a token used with another
 * `_sort` is refused.
 */
export interface Cursor {
  direction: 'next' | 'previous';
  /** sort-key values as the database printed them (null: the resource has no value) */
  keys: (string | null)[];
  rid: string;
}

interface Encoded {
  d: 'n' | 'p';
  k: (string | null)[];
  r: string;
  s: string;
}

/** A stable text for the sort, bound into tokens. */
export function sortSignature(sort: readonly SortKey[]): string {
  return sort.map((k) => `${k.descending ? '-' : ''}${k.kind === 'column' ? k.column : k.code}`).join(',');
}

export function encodeCursor(cursor: Cursor, sort: readonly SortKey[]): string {
  const body: Encoded = { d: cursor.direction === 'next' ? 'n' : 'p', k: cursor.keys, r: cursor.rid, s: sortSignature(sort) };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** Decode a `_page` token for this sort; 400 when it is malformed or made for another sort. */
export function decodeCursor(token: string, sort: readonly SortKey[]): Cursor {
  let body: Encoded;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Encoded;
  } catch {
    throw badRequest('_page: malformed paging token', ['_page']);
  }
  const valid =
    body &&
    (body.d === 'n' || body.d === 'p') &&
    typeof body.r === 'string' &&
    /^\d{1,19}$/.test(body.r) &&
    Array.isArray(body.k) &&
    body.k.length === sort.length &&
    // keys are values the database printed, so never U+0000 (which it could not even read back)
    body.k.every((v) => v === null || (typeof v === 'string' && !hasNul(v)));
  if (!valid) throw badRequest('_page: malformed paging token', ['_page']);
  if (body.s !== sortSignature(sort)) throw badRequest('_page: the paging token belongs to another _sort', ['_page']);
  return { direction: body.d === 'n' ? 'next' : 'previous', keys: body.k, rid: body.r };
}
