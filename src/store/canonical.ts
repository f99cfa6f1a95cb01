import type { Resource } from '@medplum/fhirtypes';
import type { Pool } from 'pg';
import { normalizeDatabaseError } from './pg-errors';

/**
 * Find a conformance resource (Questionnaire, ValueSet, ...) by canonical URL and optional
 * version. https://hl7.org/fhir/R4/references.html#canonical
 *
 * A direct query on the stored JSON until the search engine offers `url` / `version` tokens:
 * it scans the type's current rows (fine for the few hundred Questionnaires a deployment
 * has), and should become `GET /{type}?url=…&version=…` through the search index then.
 * Without a version, the most recently updated match wins.
 */
export async function findByCanonical(
  db: Pick<Pool, 'query'>,
  type: string,
  url: string,
  version?: string,
): Promise<Resource | undefined> {
  const values: unknown[] = [type, url];
  let sql = `SELECT content FROM resource
              WHERE resource_type = $1 AND NOT deleted AND (content::jsonb ->> 'url') = $2`;
  if (version !== undefined) {
    values.push(version);
    sql += ` AND (content::jsonb ->> 'version') = $3`;
  }
  sql += ` ORDER BY last_updated DESC LIMIT 1`;
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
