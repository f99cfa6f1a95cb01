import type { DefinitionRegistry } from '../../fhir/definitions/registry';
import { JobRunner, type JobKind, type RunnerLog } from '../../jobs/runner';
import { FileExportStorage, type ExportStorage } from '../../store/export-files';
import type { Storage } from '../../store/storage';
import type { AccessDeps } from '../access';
import { exportJobKind } from './export-job';
import type { ExportRequestDeps } from './export-requests';

export interface BulkExportOptions {
  /** The job table and the export reads. */
  database: Pick<Storage, 'jobs' | 'exports'>;
  registry: DefinitionRegistry;
  accessDeps: AccessDeps;
  baseUrl: string;
  /** KOLIBRI_EXPORT_DIR; ignored when `storage` is given. */
  dir: string;
  storage?: ExportStorage;
  ttlHours: number;
  maxFileBytes: number;
  log: RunnerLog;
  /** Other kinds of job the same runner runs (the modules'). */
  otherKinds?: readonly JobKind[];
  /** The runner's poll interval and lease (tests shorten them). */
  runner?: { pollMs?: number; leaseSeconds?: number; sweepMs?: number };
}

/** Bulk export on the job runner: what the routes need, and the runner (main.ts starts and stops it). */
export interface BulkExport {
  requests: ExportRequestDeps;
  runner: JobRunner;
  /** The export job kind, for runners built elsewhere (tests). */
  kind: JobKind;
}

/**
 * The runner is the instance's general job runner: export is its first job kind; later kinds
 * (reindex, scheduled work, subscription delivery) are added to its `kinds`.
 */
export function createBulkExport(options: BulkExportOptions): BulkExport {
  const { jobs, exports } = options.database;
  const storage = options.storage ?? new FileExportStorage(options.dir);
  const kind = exportJobKind({
    registry: options.registry,
    accessDeps: options.accessDeps,
    baseUrl: options.baseUrl,
    storage,
    readBatch: exports.readBatch,
    storedTypes: exports.storedTypes,
  });
  const runner = new JobRunner({ store: jobs, kinds: [kind, ...(options.otherKinds ?? [])], log: options.log, ...options.runner });
  return { runner, kind, requests: { jobs, storage, ttlSeconds: options.ttlHours * 3600, maxFileBytes: options.maxFileBytes, wake: () => runner.wake() } };
}
