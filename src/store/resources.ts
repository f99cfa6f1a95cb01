import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Pool, PoolClient } from 'pg';
import type { Clock } from '../clock';
import { preconditionFailed } from '../fhir/outcome';
import { CreateAtIdRefused } from './store-errors';
import type { IndexEntry, IndexWriter } from './index-writer';
import { isRetryable, normalizeDatabaseError } from './pg-errors';
import { rowToVersion, type Change, type CommitListener, type StoredVersion } from './versions';
import { history, type HistoryPage, type HistoryQuery } from './history';

export interface StoreDeps {
  pool: Pool;
  indexWriter: IndexWriter;
  clock: Clock;
  /** The post-commit seam: every committed change passes here exactly once. */
  onCommit?: CommitListener;
  /** Where a failing commit listener is reported (it never fails the request). */
  onListenerError?: (err: unknown) => void;
  newId?: () => string;
  /** Runs last inside every transaction (after the index rows); what it returns runs after COMMIT. */
  beforeCommit?: BeforeCommit;
  /**
   * The patients whose access governs a resource that is in no patient compartment but points
   * into one (Binary.securityContext …), kept in resource.access_patients; null when none.
   * The engine supplies the rule; the store keeps the column right on every write.
   */
  accessPatients?: (resource: Resource, tx: StoreTransaction) => Promise<string[] | null>;
}

/** Per-transaction options: whose records its creates become. */
export interface TransactionOptions {
  /** Organization id of the client writing (resource.owner of what it creates). */
  owner?: string;
}

/**
 * Called by an update or delete after the row lock with the version it would replace (or
 * undefined when there is none): the place to authorize on the exact pre-image. Throwing
 * aborts the write (and the transaction).
 */
export type WriteGuard = (current: StoredVersion | undefined) => Promise<void>;

/**
 * Work of the caller's own that must commit with the transaction's writes or not at all (a
 * request's audit record); a throw rolls the transaction back. The returned function, if any,
 * is called once COMMIT has succeeded.
 */
export type BeforeCommit = (tx: StoreTransaction) => Promise<(() => void) | undefined>;

/**
 * A create in one statement: the current row and the first history row. Parameters: type, id,
 * lastUpdated, JSON, owner (organization id or null), access patients (text[] or null). Exported so the benchmark's raw-insert calibration measures the same work.
 */
export const CREATE_SQL = `WITH r AS (
    INSERT INTO resource (resource_type, id, version_id, last_updated, content, owner, access_patients)
    VALUES ($1, $2, 1, $3, $4, $5, $6) RETURNING rid),
  v AS (
    INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
    VALUES ($1, $2, 1, $3, 'POST', $4))
  SELECT rid FROM r`;

/**
 * Several creates in one statement: parameters are the types, ids and JSON texts (arrays, in
 * step) and lastUpdated. Returns each new row's rid with its id.
 */
const CREATE_MANY_SQL = `WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $4::text[]) AS x(resource_type, id, content)),
  r AS (
    INSERT INTO resource (resource_type, id, version_id, last_updated, content, owner)
    SELECT resource_type, id, 1, $3::timestamptz, content, $5 FROM input RETURNING rid, id),
  v AS (
    INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
    SELECT resource_type, id, 1, $3::timestamptz, 'POST', content FROM input)
  SELECT rid, id FROM r`;

/** What `rowToVersion` reads of the current row `r` (a deletion reads as method DELETE). */
export const CURRENT_COLUMNS = `r.resource_type, r.id, r.version_id, r.last_updated, r.content,
  CASE WHEN r.deleted THEN 'DELETE' ELSE 'PUT' END AS method`;

const SELECT_VERSION = `SELECT resource_type, id, version_id, last_updated, method, content FROM resource_version`;
const MAX_ATTEMPTS = 3;

/**
 * Versioned resource storage on PostgreSQL. Every write runs in a transaction that writes the
 * current row, the history row and the search-index rows together; reads never block writes.
 * The store neither validates nor authorizes: the interactions compose those.
 */
export class ResourceStore {
  constructor(private readonly deps: StoreDeps) {}

  /** The same store, whose transactions also run `beforeCommit` (one request's view of it). */
  withBeforeCommit(beforeCommit: BeforeCommit): ResourceStore {
    return new ResourceStore({ ...this.deps, beforeCommit });
  }

  /** Current version (or the deletion tombstone) of a resource. */
  async read(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const { rows } = await this.query(
      `SELECT ${CURRENT_COLUMNS} FROM resource r WHERE r.resource_type = $1 AND r.id = $2`,
      [resourceType, id],
    );
    return rows[0] ? rowToVersion(rows[0]) : undefined;
  }

  async vread(resourceType: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    const { rows } = await this.query(`${SELECT_VERSION} WHERE resource_type = $1 AND id = $2 AND version_id = $3`, [
      resourceType,
      id,
      versionId,
    ]);
    return rows[0] ? rowToVersion(rows[0]) : undefined;
  }

  /** A fresh id, as a create would choose: a transaction assigns its creates' ids up front. */
  newId(): string {
    return (this.deps.newId ?? randomUUID)();
  }

  history(query: HistoryQuery): Promise<HistoryPage> {
    return history(this.deps.pool, query).catch((err) => {
      throw normalizeDatabaseError(err);
    });
  }

  /**
   * Run `work` in one database transaction with one clock reading. Retries the whole unit on
   * serialization failures and deadlocks; calls the commit listener after COMMIT.
   */
  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.deps.pool.connect();
      const tx = new StoreTransaction(client, this.deps, this.deps.clock.now(), options.owner);
      let result: T;
      let committed: (() => void) | undefined;
      try {
        await client.query('BEGIN');
        result = await work(tx);
        await tx.flushIndex();
        committed = await this.deps.beforeCommit?.(tx);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
        if (isRetryable(err) && attempt < MAX_ATTEMPTS) continue;
        throw normalizeDatabaseError(err);
      }
      client.release();
      committed?.();
      this.notify(tx.changes);
      return result;
    }
  }

  private notify(changes: Change[]): void {
    if (!changes.length || !this.deps.onCommit) return;
    try {
      Promise.resolve(this.deps.onCommit(changes)).catch((err) => this.deps.onListenerError?.(err));
    } catch (err) {
      this.deps.onListenerError?.(err);
    }
  }

  private async query(sql: string, values: unknown[]) {
    try {
      return await this.deps.pool.query(sql, values);
    } catch (err) {
      throw normalizeDatabaseError(err);
    }
  }
}

export interface UpdateOptions {
  /** Expected current versionId (If-Match); mismatch → 412. */
  ifMatch?: number;
  /** Allow PUT to a new id (update-as-create). */
  allowCreate: boolean;
  method?: 'PUT' | 'PATCH';
  /** Authorization on the locked pre-image (see WriteGuard). */
  guard?: WriteGuard;
}

export interface WriteResult {
  version: StoredVersion;
  created: boolean;
}

/** The writes of one transaction. Obtain through ResourceStore.transaction. */
export class StoreTransaction {
  readonly changes: Change[] = [];
  private readonly pendingIndex: IndexEntry[] = [];
  /** rids inserted by this transaction and not yet indexed: their index writes need no delete. */
  private readonly freshRids = new Set<string>();
  private readonly nowIso: string;

  constructor(
    readonly client: PoolClient,
    private readonly deps: StoreDeps,
    now: Date,
    /** Organization id recorded as owner of what this transaction creates. */
    readonly owner?: string,
  ) {
    this.nowIso = now.toISOString();
  }

  /** The transaction's instant: meta.lastUpdated of everything it writes. */
  get now(): string {
    return this.nowIso;
  }

  /** Current state, locked for the rest of the transaction. */
  async lock(resourceType: string, id: string): Promise<CurrentRow | undefined> {
    const { rows } = await this.client.query(
      `SELECT rid, version_id, last_updated, deleted FROM resource WHERE resource_type = $1 AND id = $2 FOR UPDATE`,
      [resourceType, id],
    );
    return rows[0];
  }

  /** The current version (or tombstone), locked for the rest of the transaction: one round trip. */
  async lockVersion(resourceType: string, id: string): Promise<(StoredVersion & { rid: string }) | undefined> {
    const { rows } = await this.client.query(
      `SELECT r.rid, ${CURRENT_COLUMNS} FROM resource r WHERE r.resource_type = $1 AND r.id = $2 FOR UPDATE`,
      [resourceType, id],
    );
    return rows[0] ? { ...rowToVersion(rows[0]), rid: rows[0].rid } : undefined;
  }

  /**
   * Create with a new server-assigned id (POST). `options.id` is an id the server assigned
   * earlier (a transaction assigns all ids first so entries can reference each other).
   */
  async create(resource: Resource, options: { id?: string } = {}): Promise<StoredVersion> {
    const id = options.id ?? this.newId();
    const stamped = withMeta(resource, id, 1, this.nowIso);
    const access = await this.accessPatients(stamped.resource);
    const { rows } = await this.client.query(CREATE_SQL, [resource.resourceType, id, this.nowIso, stamped.json, this.owner ?? null, access]);
    this.freshRids.add(rows[0].rid);
    return this.record('create', rows[0].rid, resource.resourceType, id, 1, 'POST', stamped);
  }

  /**
   * Create several resources with new server-assigned ids in one statement: one round trip
   * instead of one per resource (the audit drainer's AuditEvents).
   */
  async createMany(resources: readonly Resource[]): Promise<StoredVersion[]> {
    if (resources.length === 0) return [];
    const ids = resources.map(() => this.newId());
    const stamped = resources.map((r, i) => withMeta(r, ids[i], 1, this.nowIso));
    const { rows } = await this.client.query(CREATE_MANY_SQL, [resources.map((r) => r.resourceType), ids, this.nowIso, stamped.map((s) => s.json), this.owner ?? null]);
    const ridOf = new Map<string, string>(rows.map((r: { rid: string; id: string }) => [r.id, r.rid]));
    return resources.map((r, i) => {
      const rid = ridOf.get(ids[i]) as string;
      this.freshRids.add(rid);
      return this.record('create', rid, r.resourceType, ids[i], 1, 'POST', stamped[i]);
    });
  }

  /** A fresh server-assigned id, as `create` would choose. */
  newId(): string {
    return (this.deps.newId ?? randomUUID)();
  }

  /** Current version (or tombstone) as this transaction sees it: its own writes included. */
  async read(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const { rows } = await this.client.query(
      `SELECT ${CURRENT_COLUMNS} FROM resource r WHERE r.resource_type = $1 AND r.id = $2`,
      [resourceType, id],
    );
    return rows[0] ? rowToVersion(rows[0]) : undefined;
  }

  /** One version as this transaction sees it. */
  async vread(resourceType: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    const { rows } = await this.client.query(`${SELECT_VERSION} WHERE resource_type = $1 AND id = $2 AND version_id = $3`, [
      resourceType,
      id,
      versionId,
    ]);
    return rows[0] ? rowToVersion(rows[0]) : undefined;
  }

  /** History as this transaction sees it (a transaction's GET entries run after its writes). */
  history(query: HistoryQuery): Promise<HistoryPage> {
    return history(this.client, query);
  }

  /** Update (or create at a client-chosen id when allowed). `resource.id` must be set. */
  async update(resource: Resource, options: UpdateOptions): Promise<WriteResult> {
    const type = resource.resourceType;
    const id = resource.id as string;
    const method = options.method ?? 'PUT';
    let current: CurrentRow | undefined;
    if (options.guard) {
      const locked = await this.lockVersion(type, id);
      await options.guard(locked);
      current = locked && { rid: locked.rid, version_id: locked.versionId, last_updated: locked.lastUpdated, deleted: locked.deleted };
    } else current = await this.lock(type, id);
    if (!current) {
      absentOnUpdate(type, id, options);
      const stamped = withMeta(resource, id, 1, this.nowIso);
      const access = await this.accessPatients(stamped.resource);
      const { rows } = await this.client.query(
        `INSERT INTO resource (resource_type, id, version_id, last_updated, content, owner, access_patients)
         VALUES ($1, $2, 1, $3, $4, $5, $6) ON CONFLICT (resource_type, id) DO NOTHING RETURNING rid`,
        [type, id, this.nowIso, stamped.json, this.owner ?? null, access],
      );
      if (rows[0]) {
        this.freshRids.add(rows[0].rid);
        await this.insertVersion(type, id, 1, method, stamped.json);
        return { version: this.record('create', rows[0].rid, type, id, 1, method, stamped), created: true };
      }
      // Someone created it between our SELECT and INSERT: continue as an update of theirs.
      current = (await this.lock(type, id)) as CurrentRow;
    }
    if (options.ifMatch !== undefined && options.ifMatch !== current.version_id) {
      throw preconditionFailed(`Version conflict on ${type}/${id}: If-Match W/"${options.ifMatch}" but the current version is W/"${current.version_id}"`);
    }
    const versionId = current.version_id + 1;
    const stamped = withMeta(resource, id, versionId, this.nowIso);
    const access = await this.accessPatients(stamped.resource);
    await this.client.query(
      `WITH r AS (
         UPDATE resource SET version_id = $3, last_updated = $4, deleted = false, content = $5, access_patients = $8 WHERE rid = $6)
       INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
       VALUES ($1, $2, $3, $4, $7, $5)`,
      [type, id, versionId, this.nowIso, stamped.json, current.rid, method, access],
    );
    // A resource re-created after deletion counts as created (201), per update-as-create.
    const created = current.deleted;
    return { version: this.record(created ? 'create' : 'update', current.rid, type, id, versionId, method, stamped), created };
  }

  /**
   * Logical delete: a new version marks it deleted. Returns undefined when absent or already
   * deleted. A guard that answers 'absent' makes the delete act as if there were nothing to
   * delete (a resource the caller may not see).
   */
  async delete(resourceType: string, id: string, options: { ifMatch?: number; guard?: (current: StoredVersion | undefined) => Promise<'absent' | void> } = {}): Promise<StoredVersion | undefined> {
    let current: CurrentRow | undefined;
    if (options.guard) {
      const locked = await this.lockVersion(resourceType, id);
      const seen = await options.guard(locked);
      current = locked && seen !== 'absent' ? { rid: locked.rid, version_id: locked.versionId, last_updated: locked.lastUpdated, deleted: locked.deleted } : undefined;
    } else current = await this.lock(resourceType, id);
    if (options.ifMatch !== undefined && (!current || options.ifMatch !== current.version_id)) {
      throw preconditionFailed(`Version conflict on ${resourceType}/${id}: If-Match W/"${options.ifMatch}" but the current version is ${current ? `W/"${current.version_id}"` : 'absent'}`);
    }
    if (!current || current.deleted) return undefined;
    const versionId = current.version_id + 1;
    await this.client.query(
      `WITH r AS (
         UPDATE resource SET version_id = $3, last_updated = $4, deleted = true, content = NULL WHERE rid = $5)
       INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
       VALUES ($1, $2, $3, $4, 'DELETE', NULL)`,
      [resourceType, id, versionId, this.nowIso, current.rid],
    );
    return this.record('delete', current.rid, resourceType, id, versionId, 'DELETE', null);
  }

  /**
   * Write the pending search-index rows now if any of them is of one of `types`: checks later in
   * the transaction that read the index (who reaches which patient) then see those writes.
   */
  async flushIndexOf(types: ReadonlySet<string>): Promise<void> {
    if (this.pendingIndex.some((e) => types.has(e.resourceType))) await this.flushIndex();
  }

  /** Write the search-index rows of everything this transaction touched, in one batch. */
  async flushIndex(): Promise<void> {
    if (!this.pendingIndex.length) return;
    const entries = this.pendingIndex.splice(0);
    await this.deps.indexWriter.write(this.client, entries);
    // indexed now: a later write of the same resource in this transaction must replace the rows
    for (const e of entries) this.freshRids.delete(e.rid);
  }

  /** resource.access_patients of a resource about to be written (see StoreDeps.accessPatients). */
  private accessPatients(resource: Resource): Promise<string[] | null> {
    return this.deps.accessPatients ? this.deps.accessPatients(resource, this) : Promise.resolve(null);
  }

  private async insertVersion(type: string, id: string, versionId: number, method: string, json: string): Promise<void> {
    await this.client.query(
      `INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [type, id, versionId, this.nowIso, method, json],
    );
  }

  private record(
    action: Change['action'],
    rid: string,
    resourceType: string,
    id: string,
    versionId: number,
    method: StoredVersion['method'],
    stamped: Stamped | null,
  ): StoredVersion {
    // A later write to the same resource in this transaction supersedes the pending index entry.
    const pending = this.pendingIndex.findIndex((e) => e.rid === rid);
    if (pending >= 0) this.pendingIndex.splice(pending, 1);
    this.pendingIndex.push({ rid, resourceType, resource: stamped?.resource ?? null, fresh: this.freshRids.has(rid) });
    const json = stamped?.json ?? null;
    this.changes.push({ action, resourceType, id, versionId, lastUpdated: this.nowIso, json });
    return { resourceType, id, versionId, lastUpdated: this.nowIso, deleted: json === null, method, json };
  }
}

/**
 * What an update finds when there is no current row (or, through a guard, none the caller may
 * see): 412 under If-Match, CreateAtIdRefused when update-as-create is not allowed, else nothing
 * (it creates).
 * The same answer for both cases, so a hidden resource cannot be told from a missing one.
 */
export function absentOnUpdate(type: string, id: string, options: Pick<UpdateOptions, 'ifMatch' | 'allowCreate'>): void {
  if (options.ifMatch !== undefined) throw preconditionFailed(`${type}/${id} does not exist (If-Match: W/"${options.ifMatch}")`);
  if (!options.allowCreate) throw new CreateAtIdRefused(type, id);
}

interface CurrentRow {
  rid: string;
  version_id: number;
  last_updated: string;
  deleted: boolean;
}

/** Serialize with id and meta set by the server; resourceType, id and meta lead for readability. */
function withMeta(resource: Resource, id: string, versionId: number, lastUpdated: string): Stamped {
  const { resourceType, id: _ignored, meta, ...rest } = resource as Resource & Record<string, unknown>;
  const stamped = {
    resourceType,
    id,
    meta: { ...(meta ?? {}), versionId: String(versionId), lastUpdated },
    ...rest,
  } as Resource;
  return { resource: stamped, json: JSON.stringify(stamped) };
}

interface Stamped {
  resource: Resource;
  json: string;
}
