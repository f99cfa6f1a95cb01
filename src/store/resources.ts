import { cprFreeUuid } from '../audit/cpr';
import type { Resource } from '@medplum/fhirtypes';
import type { Pool, PoolClient } from 'pg';
import type { AuditRecord } from '../audit/record';
import type { Clock } from '../clock';
import { FhirError, preconditionFailed, serviceUnavailable } from '../fhir/outcome';
import { insertAuditRecords } from './audit-outbox';
import { createStatement, updateStatement, type CreateCondition, type Statement } from './write-statement';
import { PendingCreates } from './pending-creates';
import { CreateAtIdRefused } from './store-errors';
import type { IndexEntry, IndexWriter } from './index-writer';
import { isRetryable, normalizeDatabaseError } from './pg-errors';
import { STALE_ATTEMPTS, StalePlanError } from './prepared';
import { rowToVersion, type Change, type CommitListener, type StoredVersion } from './versions';
import { history, type HistoryPage, type HistoryQuery } from './history';

export interface StoreDeps {
  pool: Pool;
  indexWriter: IndexWriter;
  clock: Clock;
  /** This instance's caches: every change it committed passes here once, synchronously after COMMIT. */
  onCommit?: CommitListener;
  /** Where a failing commit listener is reported (it never fails the request). */
  onListenerError?: (err: unknown) => void;
  newId?: () => string;
  /** What every write commits with its changes (a request's audit records; see CommitAudit). */
  audit?: CommitAudit;
  /**
   * The patients whose access governs a resource that is in no patient compartment but points
   * into one (Binary.securityContext …), or that the server wrote about them without an owner
   * (an AuditEvent: its compartment's patients), kept in resource.access_patients; null when none.
   * The engine supplies the rule; the store keeps the column right on every write. `db` is
   * where to read what the resource points to (a transaction's client sees its own writes).
   */
  accessPatients?: (resource: Resource, db: Pool | PoolClient) => Promise<string[] | null>;
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
 * The audit records that must commit with a write's changes or not at all (a request's record of
 * the patients it touched), asked for once the changes are known, and what to run once they
 * committed. Inserted in the write's own transaction, or in its one statement.
 */
export type CommitAudit = (changes: readonly Change[]) => { records: AuditRecord[]; committed?: () => void } | undefined;

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
 * The change-log row of a transaction's update or delete, from CTE `r` (the updated resource
 * row, returning its owner): type $1, id $2, version $3, time $4, operation `$n`.
 */
const changeFromR = (operation: string) => `INSERT INTO change_log (resource_type, id, version_id, operation, owner, recorded)
       SELECT $1, $2, $3, ${operation}, r.owner, $4 FROM r`;

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

  /** The same store, whose writes also commit `audit`'s records (one request's view of it). */
  withAudit(audit: CommitAudit): ResourceStore {
    return new ResourceStore({ ...this.deps, audit });
  }

  /** Whether `createAlone` can write this store's index rows inside its one statement. */
  get createsAlone(): boolean {
    return this.deps.indexWriter.insertCtes !== undefined;
  }

  /**
   * A create as ONE statement in autocommit: current row, history row, search-index and
   * compartment rows and the audit records, each a data-modifying CTE inserting only if
   * `condition` (an access rule in SQL, evaluated in the statement's snapshot) holds. Returns
   * the new version, or undefined when the condition refused it: then nothing was written, in any
   * table. For a write that reads nothing before it writes (no row lock, no write hook): a
   * transaction's BEGIN, separate statements and COMMIT cost four more round trips.
   */
  async createAlone(resource: Resource, options: { owner?: string; condition?: CreateCondition } = {}): Promise<StoredVersion | undefined> {
    const write = this.insertCtes();
    const now = this.deps.clock.now().toISOString();
    const id = this.newId();
    const stamped = withMeta(resource, id, 1, now);
    const access = await this.accessPatientsOutside(stamped.resource);
    const changes: Change[] = [{ action: 'create', resourceType: resource.resourceType, id, versionId: 1, lastUpdated: now, json: stamped.json }];
    const audit = this.deps.audit?.(changes);
    const statement = createStatement(
      { resourceType: resource.resourceType, id, now, json: stamped.json, owner: options.owner ?? null, accessPatients: access },
      { index: (source, bind) => write(stamped.resource, source, bind, false, access), condition: options.condition, audit: audit?.records ?? [] },
    );
    if (!(await this.runAlone(statement))) return undefined;
    audit?.committed?.();
    this.notify(changes);
    return { resourceType: resource.resourceType, id, versionId: 1, lastUpdated: now, deleted: false, method: 'POST', json: stamped.json };
  }

  /**
   * An update as ONE statement in autocommit, decided by the caller on version `seen` of the
   * resource (read without a lock): the row becomes version seen + 1 only if it still is
   * version `seen` when the UPDATE holds its lock (compare and swap), with its history row,
   * index rows and audit records in the same statement. Undefined when it had moved on (or was
   * deleted): nothing was written, and the caller decides again (in a transaction).
   */
  async updateAlone(resource: Resource, seen: number, method: 'PUT' | 'PATCH' = 'PUT'): Promise<StoredVersion | undefined> {
    const write = this.insertCtes();
    const { resourceType } = resource;
    const id = resource.id as string;
    const now = this.deps.clock.now().toISOString();
    const versionId = seen + 1;
    const stamped = withMeta(resource, id, versionId, now);
    const access = await this.accessPatientsOutside(stamped.resource);
    const changes: Change[] = [{ action: 'update', resourceType, id, versionId, lastUpdated: now, json: stamped.json }];
    const audit = this.deps.audit?.(changes);
    const statement = updateStatement(
      { resourceType, id, now, json: stamped.json, accessPatients: access, seen, method },
      { index: (source, bind, replace) => write(stamped.resource, source, bind, replace, access), audit: audit?.records ?? [] },
    );
    if (!(await this.runAlone(statement))) return undefined;
    audit?.committed?.();
    this.notify(changes);
    return { resourceType, id, versionId, lastUpdated: now, deleted: false, method, json: stamped.json };
  }

  /**
   * The reads a write's checks make, outside any transaction (each statement on its own): what a
   * StoreTransaction offers them, for a write that then runs as one statement.
   */
  get autocommit(): { client: Pool; flushIndexOf(types: ReadonlySet<string>): Promise<void>; vread(type: string, id: string, versionId: number): Promise<StoredVersion | undefined> } {
    return { client: this.deps.pool, flushIndexOf: async () => undefined, vread: (type, id, versionId) => this.vread(type, id, versionId) };
  }

  private insertCtes(): NonNullable<IndexWriter['insertCtes']> {
    const write = this.deps.indexWriter.insertCtes;
    if (!write) throw new Error('a write in one statement needs an index writer that builds insert CTEs (see createsAlone)');
    return write;
  }

  private accessPatientsOutside(resource: Resource): Promise<string[] | null> {
    return this.deps.accessPatients ? this.deps.accessPatients(resource, this.deps.pool) : Promise.resolve(null);
  }

  /** Run a one-statement write (retried on serialization failures and deadlocks); whether it wrote. */
  private async runAlone(statement: Statement): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await this.deps.pool.query(statement);
        return !!rows[0]?.rid;
      } catch (err) {
        if (isRetryable(err) && attempt < MAX_ATTEMPTS) continue;
        throw normalizeDatabaseError(err);
      }
    }
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
    return (this.deps.newId ?? cprFreeUuid)();
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
        committed = await this.commitAudit(tx);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
        if (isRetryable(err) && attempt < (err instanceof StalePlanError ? STALE_ATTEMPTS : MAX_ATTEMPTS)) continue;
        throw normalizeDatabaseError(err);
      }
      client.release();
      committed?.();
      this.notify(tx.changes);
      return result;
    }
  }

  /** The audit records of a transaction's changes, inserted last before COMMIT; what to run after it. */
  private async commitAudit(tx: StoreTransaction): Promise<(() => void) | undefined> {
    const audit = this.deps.audit?.(tx.changes);
    if (!audit?.records.length) return audit?.committed;
    try {
      await insertAuditRecords(tx.client, audit.records);
    } catch (err) {
      throw Object.assign(serviceUnavailable('The request could not be audited; nothing was changed. Retry later.'), { cause: err });
    }
    return audit.committed;
  }

  private notify(changes: Change[]): void {
    if (!changes.length || !this.deps.onCommit) return;
    try {
      this.deps.onCommit(changes);
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
  /**
   * The transaction's connection. Creates are collected and inserted together, in one statement,
   * when anything next asks the database (through this client) or at the end: whoever reads
   * sees every write made before, and a transaction of many creates costs one insert.
   */
  readonly client: PoolClient;
  /** Search-index rows still to write, by `type/id`: the last write of a resource wins. */
  private readonly pendingIndex = new Map<string, IndexEntry>();
  /** How many of the pending index entries are of each type (flushIndexOf asks per type). */
  private readonly pendingTypes = new Map<string, number>();
  /** Resources (`type/id`) created by this transaction and not yet indexed: their index writes need no delete. */
  private readonly fresh = new Set<string>();
  private readonly creates: PendingCreates;
  private readonly nowIso: string;

  constructor(
    connection: PoolClient,
    private readonly deps: StoreDeps,
    now: Date,
    /** Organization id recorded as owner of what this transaction creates. */
    readonly owner?: string,
  ) {
    this.nowIso = now.toISOString();
    this.creates = new PendingCreates(connection, this.nowIso, owner ?? null);
    this.client = this.creates.client;
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
    // inserted with the other creates before the next statement of this transaction (PendingCreates)
    const entry = await this.creates.add(resource.resourceType, id, stamped.json, access);
    this.fresh.add(`${resource.resourceType}/${id}`);
    return this.record('create', entry, id, 1, 'POST', stamped);
  }

  /**
   * Create several resources with new server-assigned ids: inserted together, in one statement
   * with the transaction's other creates (the audit drainer's AuditEvents).
   */
  async createMany(resources: readonly Resource[]): Promise<StoredVersion[]> {
    const versions: StoredVersion[] = [];
    for (const r of resources) versions.push(await this.create(r));
    return versions;
  }

  /** A fresh server-assigned id, as `create` would choose. */
  newId(): string {
    return (this.deps.newId ?? cprFreeUuid)();
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
        this.fresh.add(`${type}/${id}`);
        await this.insertVersion(type, id, 1, method, stamped.json, this.owner ?? null);
        return { version: this.record('create', { rid: rows[0].rid, resourceType: type, resource: null, accessPatients: access }, id, 1, method, stamped), created: true };
      }
      // Someone created it between our SELECT and INSERT: continue as an update of theirs.
      current = (await this.lock(type, id)) as CurrentRow;
    }
    if (options.ifMatch !== undefined && options.ifMatch !== current.version_id) throw versionConflict(type, id, options.ifMatch, current.version_id);
    const versionId = current.version_id + 1;
    const stamped = withMeta(resource, id, versionId, this.nowIso);
    const access = await this.accessPatients(stamped.resource);
    await this.client.query(
      `WITH r AS (
         UPDATE resource SET version_id = $3, last_updated = $4, deleted = false, content = $5, access_patients = $8 WHERE rid = $6 RETURNING owner),
       v AS (INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
       VALUES ($1, $2, $3, $4, $7, $5))
       ${changeFromR('$9')}`,
      [type, id, versionId, this.nowIso, stamped.json, current.rid, method, access, current.deleted ? 'create' : 'update'],
    );
    // A resource re-created after deletion counts as created (201), per update-as-create.
    const created = current.deleted;
    return { version: this.record(created ? 'create' : 'update', { rid: current.rid, resourceType: type, resource: null, accessPatients: access }, id, versionId, method, stamped), created };
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
         UPDATE resource SET version_id = $3, last_updated = $4, deleted = true, content = NULL WHERE rid = $5 RETURNING owner),
       v AS (INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
       VALUES ($1, $2, $3, $4, 'DELETE', NULL))
       ${changeFromR('$6')}`,
      [resourceType, id, versionId, this.nowIso, current.rid, 'delete'],
    );
    return this.record('delete', { rid: current.rid, resourceType, resource: null }, id, versionId, 'DELETE', null);
  }

  /**
   * Write the pending search-index rows now if any of them is of one of `types`: checks later in
   * the transaction that read the index (who reaches which patient) then see those writes.
   */
  async flushIndexOf(types: ReadonlySet<string>): Promise<void> {
    for (const type of types) if (this.pendingTypes.get(type)) return this.flushIndex();
  }

  /** Write the pending creates, then the search-index rows of everything this transaction touched, in one batch. */
  async flushIndex(): Promise<void> {
    await this.creates.flush();
    if (!this.pendingIndex.size) return;
    const pending = [...this.pendingIndex];
    this.pendingIndex.clear();
    this.pendingTypes.clear();
    await this.deps.indexWriter.write(this.client, pending.map(([, e]) => e));
    // indexed now: a later write of the same resource in this transaction must replace the rows
    for (const [key] of pending) this.fresh.delete(key);
  }

  /** resource.access_patients of a resource about to be written (see StoreDeps.accessPatients). */
  private accessPatients(resource: Resource): Promise<string[] | null> {
    return this.deps.accessPatients ? this.deps.accessPatients(resource, this.client) : Promise.resolve(null);
  }

  private async insertVersion(type: string, id: string, versionId: number, method: string, json: string, owner: string | null): Promise<void> {
    await this.client.query(
      `WITH v AS (INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
       VALUES ($1, $2, $3, $4, $5, $6))
       INSERT INTO change_log (resource_type, id, version_id, operation, owner, recorded) VALUES ($1, $2, $3, 'create', $7, $4)`,
      [type, id, versionId, this.nowIso, method, json, owner],
    );
  }

  /** `entry`'s rid may still be unknown (a pending create): it is filled in before the index is written. */
  private record(
    action: Change['action'],
    entry: IndexEntry,
    id: string,
    versionId: number,
    method: StoredVersion['method'],
    stamped: Stamped | null,
  ): StoredVersion {
    const { resourceType } = entry;
    const key = `${resourceType}/${id}`;
    // A later write to the same resource in this transaction supersedes the pending index entry.
    if (!this.pendingIndex.delete(key)) this.pendingTypes.set(resourceType, (this.pendingTypes.get(resourceType) ?? 0) + 1);
    entry.resource = stamped?.resource ?? null;
    entry.fresh = this.fresh.has(key);
    this.pendingIndex.set(key, entry);
    const json = stamped?.json ?? null;
    this.changes.push({ action, resourceType, id, versionId, lastUpdated: this.nowIso, json });
    return { resourceType, id, versionId, lastUpdated: this.nowIso, deleted: json === null, method, json };
  }
}

/** 412: the update was made under If-Match for a version that is not the current one. */
export function versionConflict(type: string, id: string, ifMatch: number, current: number): FhirError {
  return preconditionFailed(`Version conflict on ${type}/${id}: If-Match W/"${ifMatch}" but the current version is W/"${current}"`);
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
export function withMeta(resource: Resource, id: string, versionId: number, lastUpdated: string): Stamped {
  const { resourceType, id: _ignored, meta, ...rest } = resource as Resource & Record<string, unknown>;
  const stamped = {
    resourceType,
    id,
    meta: { ...(meta ?? {}), versionId: String(versionId), lastUpdated },
    ...rest,
  } as Resource;
  return { resource: stamped, json: JSON.stringify(stamped) };
}

export interface Stamped {
  resource: Resource;
  json: string;
}
