import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { Clock } from '../clock';
import type { JobKind } from '../jobs/runner';
import type { AccessDeps } from '../interactions/access';
import type { AccessModel } from '../interactions/access-model';
import type { Operation } from '../interactions/operation';
import type { SharedDeps } from '../interactions/types';
import type { WriteHook } from '../interactions/write-hooks';
import type { ChangeConsumer } from '../jobs/change-consumers';
import type { PeriodicJobKind } from '../jobs/periodic';
import type { ResourceStore } from '../store/resources';
import type { Storage } from '../store/storage';

/**
 * A module: a domain layer on top of the FHIR engine (telemedicine is one), which the engine
 * knows only through this contract. main.ts chooses the modules and hands them to
 * `createServices`; the engine folders (http, interactions, store, fhir, auth, audit,
 * conformance) import nothing from a module. Every part is optional.
 */
export interface KolibriModule {
  /** For logs and errors. */
  readonly name: string;
  /**
   * FHIR operations (`$name`): routed at their levels and listed in the CapabilityStatement next
   * to the engine's own. Each names its OperationDefinition's canonical URL (the resource itself
   * is one of the module's templates); `formats` declares representations besides FHIR JSON
   * (CSV, HTML) and `authorize` who may ask at all.
   */
  readonly operations?: readonly Operation[];
  /**
   * The module's care model: which care relationships grant staff access to a patient (as index
   * references the store compiles to the SQL it ANDs into every read), the write rules of the
   * resources that hold them, and the contexts they offer. The engine keeps the generic rules
   * (owner organization, compartments, operator, citizen).
   */
  readonly accessModel?: AccessModel;
  /** Rules run inside every write transaction after the request's own writes, before the engine's. */
  readonly writeHooks?: readonly WriteHook[];
  /**
   * Told of committed writes through the change log (metrics, notifications): at least once, on
   * any instance, including what was committed while none ran; a consumer's failure is logged and
   * its batch comes again.
   */
  readonly changeConsumers?: readonly ChangeConsumer[];
  /** CapabilityStatement parts: what the module adds to a resource entry (a rule it enforces). */
  readonly capability?: {
    decorateResource?(resource: CapabilityStatementRestResource): CapabilityStatementRestResource;
    /** System-level operations the module declares under further names (an engine route it names differently). */
    systemOperations?: ReadonlyArray<{ name: string; definition: string }>;
  };
  /**
   * Definitional resources to store at start-up (plan templates, the OperationDefinitions of the
   * module's operations), from the profile folders; idempotent, so a restart writes nothing.
   */
  loadTemplates?(deps: TemplateDeps, profileDirs: readonly string[]): Promise<{ created: readonly string[]; updated: readonly string[] }>;
  /**
   * Periodic work as job kinds of the job runner: each period's job is queued once across all
   * instances and run by one of them (a run whose instance died is resumed by another).
   */
  periodicJobs?(context: JobContext): readonly PeriodicJobKind[];
  /**
   * Kinds of job the instance's job runner runs besides the engine's (asynchronous operations
   * queue them in the `job` table): every instance's runner claims them, with a lease.
   */
  jobKinds?(deps: JobKindDeps): readonly JobKind[];
}

/** What the modules' job kinds read and write with: the store APIs, and the access rules to recompute a caller's reach. */
export interface JobKindDeps {
  /** The database's store APIs (src/store/storage.ts): the job table, the change log … */
  storage: Storage;
  store: ResourceStore;
  accessDeps: AccessDeps;
  clock: Clock;
}

/** What a module's template loader writes with. */
export type TemplateDeps = Pick<SharedDeps, 'store' | 'validator' | 'findCanonical'>;

/** What periodic jobs are given. */
export interface JobContext {
  /** The database's store APIs (src/store/storage.ts). */
  storage: Storage;
  store: ResourceStore;
  clock: Clock;
  log: JobLog;
}

/** Minimal logger (pino fits). */
export interface JobLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

