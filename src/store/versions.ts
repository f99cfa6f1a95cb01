/** One stored version of a resource, as the store hands it out. */
export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: number;
  /** ISO 8601 instant, as in meta.lastUpdated. */
  lastUpdated: string;
  deleted: boolean;
  /** How this version was made (history's Bundle.entry.request.method). */
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The exact JSON of this version; null for a deletion. */
  json: string | null;
}

/** A committed change: what the writing instance's commit listener and the change log's consumers are told. */
export interface Change {
  action: 'create' | 'update' | 'delete';
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  /** Serialized resource for create/update; null for delete. */
  json: string | null;
}

/**
 * Called once per committed transaction with every change it made, in order, synchronously after
 * COMMIT on the instance that wrote (before the response): for that instance's own caches. Work
 * that must not be lost (it would be, were the process to stop now) reads the change log instead
 * (src/jobs/change-consumers.ts).
 */
export type CommitListener = (changes: readonly Change[]) => void;

/** Convert a row's timestamptz text (e.g. `2026-05-01 10:00:00.123+00`) to an ISO instant. */
export function isoInstant(pgTimestamp: string): string {
  return new Date(pgTimestamp.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString();
}

export function rowToVersion(row: {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: string;
  method: StoredVersion['method'];
  content: string | null;
}): StoredVersion {
  return {
    resourceType: row.resource_type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: isoInstant(row.last_updated),
    deleted: row.method === 'DELETE',
    method: row.method,
    json: row.content,
  };
}
