import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  Resource,
  CapabilityStatement,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import type { DefinitionRegistry } from './fhir/definitions/registry';
import { OPERATIONS, systemOperations, withOperations } from './http/routes/operations';
import type { CanonicalLookup } from './store/canonical';
import { buildCapabilityStatement } from './interactions/capabilities';
import type { SharedDeps } from './interactions/types';
import { DEFAULT_MAX_BUNDLE_ENTRIES } from './interactions/transaction-hooks';
import { binarySizeRule } from './interactions/binary-size';
import { withBinaryContent } from './interactions/binary-capability';
import { DEFAULT_BINARY_LIMITS } from './http/binary-body';
import { IndexExtractor } from './fhir/search/extract';
import { accessCandidates, accessFilter, reachesAllCondition } from './store/access-sql';
import { inheritedPatients } from './interactions/inherited-access';
import { SERVER_WRITTEN_TYPES } from './auth/access-policy';
import type { Readiness } from './http/routes/health';
import type { IndexWriter } from './store/index-writer';
import { Subsetter } from './fhir/subset';
import { supportedSearchParameters, UNDEFINED_PARAMS } from './fhir/search/supported';
import type { Migration } from './store/migrate';
import type { ResourceStore } from './store/resources';
import type { AuditSink } from './http/audit-hook';
import { AuditDrainer } from './audit/drainer';
import { subscriptionWriteRule } from './subscriptions/subscription-rule';
import { withSubscriptionChannels, withWebsocketEndpoint } from './subscriptions/capability';
import { ownSubscriptionsSql } from './store/subscriptions';
import type { Listener } from './store/listen';
import type { Db } from './store/db';
import type { Storage } from './store/storage';
import { AuditGroupCommit } from './audit/group-commit';
import { LiveDefinitions } from './conformance/live-definitions';
import { definitionWriteRules } from './conformance/definition-writes';
import { fileProfiles, KOLIBRI_IG_URL } from './conformance/implementation-guide';
import type { Operation } from './interactions/operation';
import { composeModules } from './modules/compose';
import { ChangeConsumers } from './jobs/change-consumers';
import type { KolibriModule } from './modules/module';
import type { AuthServiceOptions } from './auth/auth-service';
import { lookupFrom } from './auth/token-context';
import { createBulkExport, type BulkExport, type BulkExportOptions } from './interactions/export/export-service';
import { EXPORT_SYSTEM_OPERATIONS, withExportOperations } from './interactions/export/export-operations';

export interface ServiceOptions {
  /** The database (src/store/storage.ts): built once by main.ts (openDatabase) or the test support. */
  storage: Storage;
  registry: DefinitionRegistry;
  migrations: Migration[];
  config: Pick<Config, 'baseUrl' | 'updateCreate'> &
    Partial<Pick<Config, 'subscriptionEndpoints' | 'enforcedProfiles' | 'unknownProfiles' | 'maxBundleEntries' | 'conditionalDeleteMultiple' | 'exportDir' | 'exportTtlHours' | 'exportMaxFileBytes' | 'binary'>>;
  /** Background jobs: their log, and the runner's timing (tests shorten it). */
  jobs?: Pick<BulkExportOptions, 'log' | 'runner' | 'storage'>;
  softwareVersion: string;
  clock?: Clock;
  indexWriter?: IndexWriter;
  /** Where failures of background work are reported: change consumers, definitions that cannot be used, jobs without a log. */
  onListenerError?: (err: unknown) => void;
  /** The modules on top of the engine (main.ts: telemedicine), wired in through their contract. */
  modules?: readonly KolibriModule[];
}

/** Everything the HTTP layer needs, composed once from its parts. */
export interface Services {
  registry: DefinitionRegistry;
  store: ResourceStore;
  /**
   * Where reads' audit records go (the outbox, group-committed; writes commit theirs with their
   * data), and what turns records into AuditEvents.
   */
  audit: AuditSink;
  auditDrainer: AuditDrainer;
  /** Interaction deps shared by all requests; each request adds its Access (forRequest). */
  interactions: SharedDeps;
  /** Without rest.security: buildApp adds it, since it alone knows the auth mode and CORS. */
  capabilityStatement: () => CapabilityStatement;
  readiness: Readiness;
  /** Conformance resources stored on the server by canonical URL (Questionnaires for $validate). */
  findCanonical: CanonicalLookup;
  /** Definitions created through the API, in use at once (main.ts: reload at start, then listen). */
  definitions: LiveDefinitions;
  /** Every FHIR operation: the engine's, then the modules'. */
  operations: readonly Operation[];
  /** What the token endpoint reads to check an asserted context (context resources, a care team's reach). */
  authData: Pick<AuthServiceOptions, 'stores' | 'lookup' | 'reachablePatients' | 'careContexts'>;
  /** The modules' change-log consumers (main.ts starts them on every instance). */
  changeConsumers: ChangeConsumers;
  /** Bulk Data export: its requests, and the job runner it runs on (main.ts starts it). */
  bulkExport: BulkExport;
  /** Hear the websocket pings every instance's subscription worker publishes (payload: the Subscription id). */
  listenSubscriptionPings(onPing: (subscriptionId: string) => void): Promise<Listener>;
}

/** Compose the dependency graph: definitions → validator, store → interactions. */
export function createServices(options: ServiceOptions): Services {
  const clock = options.clock ?? systemClock;
  const modules = composeModules(options.modules ?? [], { operations: OPERATIONS });
  const binaryLimits = options.config.binary ?? DEFAULT_BINARY_LIMITS;
  const reach = modules.accessModel.reach;
  // this instance's own view: the file definitions plus those stored through the API
  const registry = options.registry.fork();
  const { storage } = options;
  const definitions = new LiveDefinitions({
    rows: storage.definitions,
    registry,
    validator: { enforcedProfiles: options.config.enforcedProfiles, unknownProfiles: options.config.unknownProfiles },
    indexing: { baseUrl: options.config.baseUrl },
    onProblem: (p) => options.onListenerError?.(new Error(`${p.key ? `${p.key}: ` : ''}${p.message}`)),
  });
  const extractor = new IndexExtractor(registry, { baseUrl: options.config.baseUrl });
  const compartments = (resource: Resource) => extractor.patientCompartments(resource);
  const inherited = (resource: Resource, db?: Db) =>
    inheritedPatients(resource, (type, id) => storage.access.target(type, id, db), compartments, options.config.baseUrl);
  const store = storage.resourceStore({
    clock,
    // The search index is written with every resource unless a caller supplies its own writer.
    indexWriter: options.indexWriter ?? definitions.indexWriter,
    // this instance's definitions take effect before the response; everything else that follows
    // a write reads the change log (changeConsumers, subscriptions)
    onCommit: (changes) => definitions.apply(changes),
    onListenerError: options.onListenerError,
    // resource.access_patients: whose access governs a resource in no compartment (inherited),
    // and the patients of the server's own records (AuditEvents, written without an owner), so
    // that no index of unowned rows holds them (history candidates, access-sql.ts)
    accessPatients: async (resource, db) => {
      if (SERVER_WRITTEN_TYPES.has(resource.resourceType)) {
        const own = compartments(resource);
        return own.length ? own : null;
      }
      const { patients } = await inherited(resource, db);
      return patients.length ? patients : null;
    },
  });
  const interactions: SharedDeps = {
    store,
    registry,
    validator: definitions.validator,
    baseUrl: options.config.baseUrl,
    updateCreate: options.config.updateCreate,
    clock,
    search: (request, access) => storage.search(request, access),
    lastN: (request, max, access) => storage.lastN(request, max, access),
    findCanonical: (type, url, version) => storage.findCanonical(type, url, version),
    subsetter: new Subsetter(registry),
    // the modules' in-transaction rules, then the engine's: built-in definitions are read-only,
    // stored profiles must be usable, a Binary keeps to the size limit on every write path
    writeHooks: [...modules.writeHooks, definitionWriteRules(registry), subscriptionWriteRule({ prefixes: options.config.subscriptionEndpoints }), binarySizeRule(binaryLimits.maxBytes)],
    limits: {
      maxBundleEntries: options.config.maxBundleEntries ?? DEFAULT_MAX_BUNDLE_ENTRIES,
      conditionalDeleteMultiple: options.config.conditionalDeleteMultiple ?? false,
      binary: binaryLimits,
    },
    accessDeps: {
      reachablePatients: (policy, ids, db) => storage.access.reachablePatients(policy, ids, reach, db),
      patientCompartments: compartments,
      inheritedPatients: inherited,
      ownership: (type, id, db) => storage.access.ownership(type, id, db),
      searchFilter: (policy) => accessFilter(policy, reach),
      historyCandidates: (policy) => accessCandidates(policy, reach),
      readReaching: (policy, type, id) => storage.access.readReaching(policy, type, id, reach),
      reachesAll: (policy, ids) => reachesAllCondition(policy, ids, reach),
      grantTypes: modules.accessModel.grantTypes,
      writeRules: modules.accessModel.writeRules,
      reachHint: modules.accessModel.reachHint,
      clientOwned: {
        types: new Set(['Subscription']),
        owner: (_type, id, db) => storage.access.subscriptionOwner(id, db),
        filter: ownSubscriptionsSql,
      },
    },
  };
  const bulkExport = createBulkExport({
    database: storage,
    registry,
    accessDeps: interactions.accessDeps,
    baseUrl: options.config.baseUrl,
    dir: options.config.exportDir ?? join(tmpdir(), 'kolibri-exports'),
    ttlHours: options.config.exportTtlHours ?? 24,
    maxFileBytes: options.config.exportMaxFileBytes ?? 100 * 1024 * 1024,
    log: options.jobs?.log ?? quietLog(options.onListenerError),
    otherKinds: modules.jobKinds({ storage, store, accessDeps: interactions.accessDeps, clock }),
    ...options.jobs,
  });
  const startedAt = clock.now().toISOString();
  let statement: CapabilityStatement | undefined;
  // built again when the stored definitions change (a new SearchParameter is listed)
  let statementGeneration = registry.generation;
  return {
    audit: new AuditGroupCommit({ write: (records) => storage.writeAudit(records) }),
    auditDrainer: new AuditDrainer({ store, onError: options.onListenerError }),
    registry,
    store,
    definitions,
    interactions,
    operations: modules.operations,
    authData: {
      stores: storage.auth,
      lookup: lookupFrom(store),
      reachablePatients: (policy, ids) => interactions.accessDeps.reachablePatients(policy, ids),
      careContexts: modules.accessModel.contexts?.(storage.referenceLister()),
    },
    bulkExport,
    changeConsumers: new ChangeConsumers({ changes: storage.changes, consumers: modules.changeConsumers, onError: (err) => options.onListenerError?.(err) }),
    listenSubscriptionPings: (onPing) => storage.subscriptions.listenPings(onPing, options.onListenerError),
    capabilityStatement: () => {
      if (statementGeneration !== registry.generation) [statement, statementGeneration] = [undefined, registry.generation];
      return (statement ??= withWebsocketEndpoint(buildCapabilityStatement(interactions, {
        softwareVersion: options.softwareVersion,
        date: startedAt,
        searchParams: (type) => capabilitySearchParams(registry, type),
        supportedProfiles: (type) => fileProfiles(options.registry, type),
        implementationGuide: [KOLIBRI_IG_URL, ...options.registry.implementationGuides],
        systemInteractions: ['history-system', 'search-system'],
        systemOperations: [...systemOperations(modules.operations), ...EXPORT_SYSTEM_OPERATIONS, ...modules.systemOperationNames],
        decorateResource: (r) => withSubscriptionChannels(withExportOperations(withOperations(modules.decorateResource(withBinaryContent(r, binaryLimits)), modules.operations))),
      }), options.config.baseUrl));
    },
    findCanonical: interactions.findCanonical,
    readiness: {
      async check() {
        const pending = await storage.pendingMigrations(options.migrations);
        return pending.length ? [`migrations not applied: ${pending.join(', ')}`] : [];
      },
    },
  };
}

/** Without a logger: only errors, reported through onListenerError. */
function quietLog(onError?: (err: unknown) => void): BulkExportOptions['log'] {
  const none = () => undefined;
  return { info: none, warn: none, error: (obj, msg) => onError?.(new Error(`${msg ?? 'job error'}: ${JSON.stringify(obj)}`)) };
}

/** The search parameters that work for a type, as CapabilityStatement.rest.resource.searchParam. */
function capabilitySearchParams(registry: DefinitionRegistry, type: string): CapabilityStatementRestResourceSearchParam[] {
  const defined = supportedSearchParameters(registry, type).map((sp) => ({
    name: sp.code as string,
    ...(sp.url ? { definition: sp.url } : {}),
    type: sp.type as CapabilityStatementRestResourceSearchParam['type'],
  }));
  return [...defined, ...UNDEFINED_PARAMS];
}
