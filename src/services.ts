import type {
  Resource,
  CapabilityStatement,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';
import type { Pool, PoolClient } from 'pg';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import type { DefinitionRegistry } from './fhir/definitions/registry';
import { systemOperations, withOperations } from './http/routes/operations';
import { ROLLOUT_REPORT_OPERATION } from './telemedicine/reports/operation';
import { findByCanonical, type CanonicalLookup } from './store/canonical';
import { buildCapabilityStatement } from './interactions/capabilities';
import type { SharedDeps } from './interactions/types';
import { DEFAULT_MAX_BUNDLE_ENTRIES } from './interactions/transaction-hooks';
import { binarySizeRule } from './interactions/binary-size';
import { appointmentRules } from './telemedicine/appointments';
import { unreadMessageTasks } from './telemedicine/messages';
import { withModalityRules } from './telemedicine/modality-capabilities';
import { withBinaryContent } from './interactions/binary-capability';
import { DEFAULT_BINARY_LIMITS } from './http/binary-body';
import { IndexExtractor } from './fhir/search/extract';
import { accessFilter, accessTarget, ownership, reachablePatients, readReaching } from './store/access-sql';
import { inheritedPatients } from './interactions/inherited-access';
import type { Readiness } from './http/routes/health';
import type { IndexWriter } from './store/index-writer';
import { runRows, runSearch } from './store/search';
import { Subsetter } from './fhir/subset';
import { supportedSearchParameters } from './fhir/search/supported';
import { pendingMigrations, type Migration } from './store/migrate';
import { ResourceStore } from './store/resources';
import type { CommitListener } from './store/versions';
import type { AuditSink } from './http/audit-hook';
import { AuditDrainer } from './audit/drainer';
import { insertAuditRecords } from './store/audit-outbox';
import { AuditGroupCommit } from './audit/group-commit';
import { retriageOnEnteredInError, withEnteredInErrorRule } from './telemedicine/entered-in-error';
import { LiveDefinitions } from './conformance/live-definitions';
import { definitionWriteRules } from './conformance/definition-writes';
import { fileProfiles, KOLIBRI_IG_URL } from './conformance/implementation-guide';

export interface ServiceOptions {
  pool: Pool;
  registry: DefinitionRegistry;
  migrations: Migration[];
  config: Pick<Config, 'baseUrl' | 'updateCreate'> & Partial<Pick<Config, 'enforcedProfiles' | 'unknownProfiles' | 'maxBundleEntries' | 'conditionalDeleteMultiple' | 'binary'>>;
  softwareVersion: string;
  clock?: Clock;
  indexWriter?: IndexWriter;
  onCommit?: CommitListener;
  onListenerError?: (err: unknown) => void;
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
}

/** Compose the dependency graph: definitions → validator, store → interactions. */
export function createServices(options: ServiceOptions): Services {
  const clock = options.clock ?? systemClock;
  // this instance's own view: the file definitions plus those stored through the API
  const registry = options.registry.fork();
  const definitions = new LiveDefinitions({
    pool: options.pool,
    registry,
    validator: { enforcedProfiles: options.config.enforcedProfiles, unknownProfiles: options.config.unknownProfiles },
    indexing: { baseUrl: options.config.baseUrl },
    onProblem: (p) => options.onListenerError?.(new Error(`${p.key ? `${p.key}: ` : ''}${p.message}`)),
  });
  const extractor = new IndexExtractor(registry, { baseUrl: options.config.baseUrl });
  const compartments = (resource: Resource) => extractor.patientCompartments(resource);
  const inherited = (resource: Resource, db: Pool | PoolClient) =>
    inheritedPatients(resource, (type, id) => accessTarget(db, type, id), compartments, options.config.baseUrl);
  const store = new ResourceStore({
    pool: options.pool,
    clock,
    // The search index is written with every resource unless a caller supplies its own writer.
    indexWriter: options.indexWriter ?? definitions.indexWriter,
    onCommit: (changes) => {
      definitions.apply(changes);
      return options.onCommit?.(changes);
    },
    onListenerError: options.onListenerError,
    accessPatients: async (resource, db) => {
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
    runSearch: (request, compiled) => runSearch(options.pool, request, compiled),
    runRows: (query) => runRows(options.pool, query),
    findCanonical: (type, url, version) => findByCanonical(options.pool, type, url, version),
    subsetter: new Subsetter(registry),
    // The telemedicine layer's in-transaction rule: entered-in-error re-triages the submission;
    // built-in definitions are read-only and stored profiles must be usable.
    writeHooks: [
      retriageOnEnteredInError,
      appointmentRules,
      unreadMessageTasks,
      definitionWriteRules(registry),
      binarySizeRule((options.config.binary ?? DEFAULT_BINARY_LIMITS).maxBytes),
    ],
    limits: {
      maxBundleEntries: options.config.maxBundleEntries ?? DEFAULT_MAX_BUNDLE_ENTRIES,
      conditionalDeleteMultiple: options.config.conditionalDeleteMultiple ?? false,
    },
    accessDeps: {
      reachablePatients: (policy, ids, db) => reachablePatients(db ?? options.pool, policy, ids),
      patientCompartments: compartments,
      inheritedPatients: (resource, db) => inherited(resource, db ?? options.pool),
      ownership: (type, id, db) => ownership(db ?? options.pool, type, id),
      searchFilter: accessFilter,
      readReaching: (policy, type, id) => readReaching(options.pool, policy, type, id),
    },
  };
  const startedAt = clock.now().toISOString();
  let statement: CapabilityStatement | undefined;
  // built again when the stored definitions change (a new SearchParameter is listed)
  let statementGeneration = registry.generation;
  return {
    audit: new AuditGroupCommit({ write: (records) => insertAuditRecords(options.pool, records) }),
    auditDrainer: new AuditDrainer({ store, onError: options.onListenerError }),
    registry,
    store,
    definitions,
    interactions,
    capabilityStatement: () => {
      if (statementGeneration !== registry.generation) [statement, statementGeneration] = [undefined, registry.generation];
      return (statement ??= buildCapabilityStatement(interactions, {
        softwareVersion: options.softwareVersion,
        date: startedAt,
        searchParams: (type) => capabilitySearchParams(registry, type),
        supportedProfiles: (type) => fileProfiles(options.registry, type),
        implementationGuide: [KOLIBRI_IG_URL, ...options.registry.implementationGuides],
        systemInteractions: ['history-system', 'search-system'],
        // $rollout-report has a route of its own (CSV and HTML besides FHIR JSON), not a table entry
        systemOperations: [...systemOperations(), ROLLOUT_REPORT_OPERATION],
        decorateResource: (r) => withOperations(withModalityRules(withEnteredInErrorRule(withBinaryContent(r, options.config.binary ?? DEFAULT_BINARY_LIMITS)))),
      }));
    },
    findCanonical: (type, url, version) => findByCanonical(options.pool, type, url, version),
    readiness: {
      async check() {
        const pending = await pendingMigrations(options.pool, options.migrations);
        return pending.length ? [`migrations not applied: ${pending.join(', ')}`] : [];
      },
    },
  };
}

/** The search parameters that work for a type, as CapabilityStatement.rest.resource.searchParam. */
function capabilitySearchParams(registry: DefinitionRegistry, type: string): CapabilityStatementRestResourceSearchParam[] {
  return supportedSearchParameters(registry, type).map((sp) => ({
    name: sp.code as string,
    ...(sp.url ? { definition: sp.url } : {}),
    type: sp.type as CapabilityStatementRestResourceSearchParam['type'],
  }));
}
