import type { Resource } from '@medplum/fhirtypes';
import type { Pool } from 'pg';
import { paramKey } from '../fhir/search/param-key';
import { normalizeDatabaseError } from './pg-errors';

/**
 * Find a conformance resource (Questionnaire, ValueSet, ...) by canonical URL and optional
 * version. https://hl7.org/fhir/R4/references.html#canonical
 *
 * Through the search index, as `GET /{type}?url=…&version=…` would: the `url` (uri) and
 * `version` (token) parameters every canonical resource type has
 * (https://hl7.org/fhir/R4/searchparameter-registry.html), so the look-up is an index probe
 * on `search_uri (param, value)` instead of a scan of the type's JSON. Without a version, the
 * most recently updated match wins.
 */
export async function findByCanonical(
  db: Pick<Pool, 'query'>,
  type: string,
  url: string,
  version?: string,
): Promise<Resource | undefined> {
  const values: unknown[] = [type, paramKey(type, 'url'), url];
  let sql = `SELECT r.content FROM search_uri u JOIN resource r ON r.rid = u.rid
              WHERE u.param = $2 AND u.value = $3 AND r.resource_type = $1 AND NOT r.deleted`;
  if (version !== undefined) {
    values.push(paramKey(type, 'version'), version);
    sql += ` AND EXISTS (SELECT 1 FROM search_token t WHERE t.rid = r.rid AND t.param = $4 AND t.value = $5)`;
  }
  sql += ` ORDER BY r.last_updated DESC LIMIT 1`;
  try {
    const { rows } = await db.query(sql, values);
    return rows[0] ? (JSON.parse(rows[0].content as string) as Resource) : undefined;
  } catch (err) {
    throw normalizeDatabaseError(err);
  }
}

/** `url|version` split into its parts. */
export function splitCanonical(canonical: string): { url: string; version?: string } {
  const bar = canonical.indexOf('|');
  return bar < 0 ? { url: canonical } : { url: canonical.slice(0, bar), version: canonical.slice(bar + 1) || undefined };
}

export type CanonicalLookup = (type: string, url: string, version?: string) => Promise<Resource | undefined>;
