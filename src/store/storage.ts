import type { Resource } from '@medplum/fhirtypes';
import type { Pool, PoolClient } from 'pg';
import type { AccessPolicy } from '../auth/access-policy';
import type { AuditRecord } from '../audit/record';
import type { SearchRequest } from '../fhir/search/ast';
import type { AccessFilter } from './search/sql-builder';
import { accessTarget, ownership, reachablePatients, readReaching, type ReachSql, type ReadReaching } from './access-sql';
import { insertAuditRecords } from './audit-outbox';
import { authStores, type AuthStores } from './auth/auth-stores';
import { findByCanonical } from './canonical';
import { consumeChanges, openCursorAtEnd, startChangeLogPruning, type ChangeHandler } from './change-log';
import { consumeChangedVersions, type VersionHandler } from './changed-versions';
import { countInWindows, type Referencing, type TargetWindow } from './aggregate/referencing-counts';
import { duePlans, savePlans, stalePlans, type PlanBatch, type RequestPlan } from './schedule/request-plans';
import { decidedSlots, recordDecisions, type Decision, type SlotKey } from './schedule/slot-decisions';
import { currentResources } from './resource-ids';
import type { Db } from './db';
import { hasOwnResources, listenForDefinitions, recordFingerprint, seedFingerprint, storedDefinitions } from './definition-rows';
import { readExportBatch, storedResourceTypes, type ExportBatch, type ExportSelection } from './export-rows';
import type { IndexWriter } from './index-writer';
import { JobStore } from './jobs';
import { listenOn, type ListenHandlers, type Listener } from './listen';
import { pendingMigrations, type Migration } from './migrate';
import { inTransaction } from './pool-transaction';
import { referenceLister, type ReferenceLister } from './reference-lists';
import { reindex, type ReindexOptions, type ReindexProgress } from './reindex';
import { ResourceStore, type StoreDeps } from './resources';
import { lastNIn, searchIn, type SearchResult, type SearchRow } from './search';
import { dueSubscriptions, notificationStats, PING_CHANNEL, subscriptionOwner } from './subscriptions';

/**
 * The database as the parts of the server outside src/store use it: built once from the pool
 * (`openDatabase` for main.ts, `storageOn` for tools and tests) and handed to the composition,
 * which gives each part the API it needs. The pool itself never leaves src/store. Parameters
 * named `db` take a transaction's client (`tx.client`) where a read must see the transaction's
 * own writes; without one, the pool is used.
 */
export interface Storage {
  /** A resource store over this database (the engine's is built by createServices). */
  resourceStore(deps: Omit<StoreDeps, 'pool'>): ResourceStore;
  /** One transaction on a connection of its own, for the store functions that take a transaction's client. */
  transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T>;
  search(request: SearchRequest, access?: AccessFilter): Promise<SearchResult>;
  lastN(request: SearchRequest, max: number, access?: AccessFilter): Promise<SearchRow[]>;
  findCanonical(type: string, url: string, version?: string): Promise<Resource | undefined>;
  /** Lists current resources by search-index references (a care model's contexts). */
  referenceLister(): ReferenceLister;
  /** What the access rules read. */
  access: {
    target(type: string, id: string, db?: Db): Promise<{ json: string; accessPatients?: string[] } | undefined>;
    reachablePatients(policy: AccessPolicy, ids: readonly string[], reach: ReachSql | undefined, db?: Db): Promise<Set<string>>;
    ownership(type: string, id: string, db?: Db): Promise<{ owner?: string; accessPatients?: string[] }>;
    readReaching(policy: AccessPolicy, type: string, id: string, reach: ReachSql | undefined): Promise<ReadReaching | undefined>;
    subscriptionOwner(id: string, db?: Db): Promise<string | undefined>;
  };
  /** Stored definitions (conformance resources) and the fingerprints of what was built from the files. */
  definitions: {
    stored(): Promise<Resource[]>;
    listen(handlers: ListenHandlers): Promise<Listener>;
    fingerprint(name: string): Promise<string | undefined>;
    recordFingerprint(name: string, fingerprint: string, at: string): Promise<void>;
    hasOwnResources(): Promise<boolean>;
    reindex(writer: IndexWriter, options?: ReindexOptions): Promise<ReindexProgress>;
  };
  /** Reads' audit records into the outbox (writes commit theirs in their own transaction). */
  writeAudit(records: readonly AuditRecord[]): Promise<void>;
  auth: AuthStores;
  /** The job table (one JobStore per database). */
  jobs: JobStore;
  exports: {
    readBatch(selection: ExportSelection, afterId: string | null, limit: number): Promise<ExportBatch>;
    storedTypes(): Promise<string[]>;
  };
  /** The change log, read by durable consumers (a cursor each, claimed by one instance at a time). */
  changes: {
    consume(consumer: string, limit: number, handle: ChangeHandler): Promise<number>;
    /** Start a consumer that has no cursor yet after everything committed so far (without this, a new consumer reads all the log retains). */
    openAtEnd(consumer: string): Promise<void>;
    /** As consume, with the committed versions (and their JSON) of `types` only; the cursor passes the rest. */
    consumeVersions(consumer: string, types: readonly string[], limit: number, handle: VersionHandler): Promise<number>;
    startPruning(options: { retentionHours: number; intervalMs: number; now: () => Date; onError: (err: unknown) => void }): () => Promise<void>;
  };
  subscriptions: {
    due(limit: number): Promise<string[]>;
    stats(): Promise<{ queued: number; oldestAgeSeconds: number; delivered: number; failed: number }>;
    /** Hear the pings subscription workers publish (payload: the Subscription id). */
    listenPings(onPing: (subscriptionId: string) => void, onError?: (err: unknown) => void): Promise<Listener>;
  };
  /** A periodic job's tables of ServiceRequest plans and slot decisions (src/store/schedule/). */
  schedule: {
    stalePlans(batch: PlanBatch): Promise<Array<{ id: string; versionId: number; resource: unknown }>>;
    duePlans<P>(now: Date, batch: PlanBatch): Promise<Array<RequestPlan<P>>>;
    savePlans<P>(plans: ReadonlyArray<RequestPlan<P> & { nextDue: Date | null }>, now: Date): Promise<void>;
    decidedSlots(keys: readonly SlotKey[]): Promise<Set<string>>;
    recordDecisions(decisions: readonly Decision[], decidedAt: Date, db?: Db): Promise<number>;
  };
  /** Aggregate reads over current resources and the search index (src/store/aggregate/). */
  aggregate: {
    countInWindows(q: Referencing, windows: readonly TargetWindow[], db?: Db): Promise<number[]>;
    currentResources(type: string, ids: readonly string[]): Promise<Map<string, unknown>>;
  };
  pendingMigrations(migrations: Migration[]): Promise<string[]>;
}

/** The Storage of a pool (the pool stays the caller's to end). */
export function storageOn(pool: Pool): Storage {
  const on = (db?: Db): Db => db ?? pool;
  return {
    resourceStore: (deps) => new ResourceStore({ ...deps, pool }),
    transaction: (work) => inTransaction(pool, work),
    search: (request, access) => searchIn(pool, request, access),
    lastN: (request, max, access) => lastNIn(pool, request, max, access),
    findCanonical: (type, url, version) => findByCanonical(pool, type, url, version),
    referenceLister: () => referenceLister(pool),
    access: {
      target: (type, id, db) => accessTarget(on(db), type, id),
      reachablePatients: (policy, ids, reach, db) => reachablePatients(on(db), policy, ids, reach),
      ownership: (type, id, db) => ownership(on(db), type, id),
      readReaching: (policy, type, id, reach) => readReaching(pool, policy, type, id, reach),
      subscriptionOwner: (id, db) => subscriptionOwner(on(db), id),
    },
    definitions: {
      stored: () => storedDefinitions(pool),
      listen: (handlers) => listenForDefinitions(pool, handlers),
      fingerprint: (name) => seedFingerprint(pool, name),
      recordFingerprint: (name, fingerprint, at) => recordFingerprint(pool, name, fingerprint, at),
      hasOwnResources: () => hasOwnResources(pool),
      reindex: (writer, options) => reindex(pool, writer, options),
    },
    writeAudit: (records) => insertAuditRecords(pool, records),
    auth: authStores(pool),
    jobs: new JobStore(pool),
    exports: {
      readBatch: (selection, afterId, limit) => readExportBatch(pool, selection, afterId, limit),
      storedTypes: () => storedResourceTypes(pool),
    },
    changes: {
      consume: (consumer, limit, handle) => consumeChanges(pool, consumer, limit, handle),
      openAtEnd: (consumer) => openCursorAtEnd(pool, consumer),
      consumeVersions: (consumer, types, limit, handle) => consumeChangedVersions(pool, consumer, types, limit, handle),
      startPruning: (options) => startChangeLogPruning(pool, options),
    },
    subscriptions: {
      due: (limit) => dueSubscriptions(pool, limit),
      stats: () => notificationStats(pool),
      listenPings: (onPing, onError) => listenOn(pool, PING_CHANNEL, 'kolibri-subscription-pings', { onChange: onPing, onConnected: () => undefined, onError }),
    },
    schedule: {
      stalePlans: (batch) => stalePlans(pool, batch),
      duePlans: (now, batch) => duePlans(pool, now, batch),
      savePlans: (plans, now) => savePlans(pool, plans, now),
      decidedSlots: (keys) => decidedSlots(pool, keys),
      recordDecisions: (decisions, decidedAt, db) => recordDecisions(on(db), decisions, decidedAt),
    },
    aggregate: {
      countInWindows: (q, windows, db) => countInWindows(on(db), q, windows),
      currentResources: (type, ids) => currentResources(pool, type, ids),
    },
    pendingMigrations: (migrations) => pendingMigrations(pool, migrations),
  };
}
