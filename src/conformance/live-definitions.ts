import type { Resource } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../fhir/definitions/registry';
import { prepareStoredLayer } from '../fhir/definitions/stored';
import type { ExtractorOptions } from '../fhir/search/extract';
import { createValidator, type ResourceValidator, type ValidatorOptions } from '../fhir/validation/validator';
import type { IndexEntry } from '../store/index-writer';
import { createIndexWriter, type SearchIndexWriter } from '../store/search-index';
import { LIVE_DEFINITION_TYPES, type DefinitionListener } from '../store/definition-rows';
import type { Storage } from '../store/storage';
import type { Change } from '../store/versions';

/**
 * StructureDefinitions, ValueSets, CodeSystems and SearchParameters created through the API, in
 * use at once and on every instance, without a restart (as in HAPI and Medplum).
 *
 * Each instance keeps its own registry (a fork of the file definitions with a stored layer), and
 * the validator and search-index writer built over it; `validator` and `indexWriter` delegate to
 * the current ones, so the interactions and the store hold them once. Changes arrive two ways:
 * - this instance's own commits (`apply`, from the store's commit listener, before the response
 *   is sent): the change carries the new JSON, so the layer is rebuilt without a query and the
 *   writer's next request already sees it;
 * - every other writer's (another instance, the CLI, psql): migration 009's trigger NOTIFYs
 *   `kolibri_definitions` at COMMIT; `listen()` hears it and reloads the stored definitions from
 *   the database (debounced; a burst makes one query). On (re)connecting it reloads too, so what
 *   was committed while the connection was down is not missed. A reload's query may predate
 *   this instance's latest commits: those applied meanwhile are laid over its result (the later
 *   versionId wins), so a reload never takes back what the writer has already answered.
 * LISTEN/NOTIFY rather than a version counter polled with a TTL: no per-request query and no
 * window in which instances disagree beyond the notification's own latency (milliseconds).
 */
export interface LiveDefinitionsOptions {
  /** Where the stored definitions are read and their changes heard. */
  rows: Pick<Storage['definitions'], 'stored' | 'listen'>;
  /** This instance's registry: a fork (DefinitionRegistry.fork) of the file definitions. */
  registry: DefinitionRegistry;
  validator?: ValidatorOptions;
  indexing?: ExtractorOptions;
  /** Definitions that could not be used (a differential the snapshot generator cannot follow), and listener errors. */
  onProblem?: (problem: { key?: string; message: string }) => void;
}

const LIVE = new Set(LIVE_DEFINITION_TYPES);
const DEBOUNCE_MS = 20;

export class LiveDefinitions {
  readonly registry: DefinitionRegistry;
  /** Delegates to the validator over the current definitions. */
  readonly validator: ResourceValidator;
  /** Delegates to the index writer over the current SearchParameters. */
  readonly indexWriter: SearchIndexWriter;
  private stored = new Map<string, Resource>();
  private currentValidator: ResourceValidator;
  private currentWriter: SearchIndexWriter;
  private reloading: Promise<void> | undefined;
  /** This instance's changes applied while a reload's query ran: re-applied on its result (it may predate them). */
  private appliedDuringReload: Change[] | undefined;
  private reloadAgain = false;
  private debounce: NodeJS.Timeout | undefined;

  constructor(private readonly options: LiveDefinitionsOptions) {
    this.registry = options.registry;
    this.currentValidator = createValidator(this.registry, options.validator);
    this.currentWriter = createIndexWriter(this.registry, options.indexing);
    const live = this;
    this.validator = {
      validate: (resource, o) => live.currentValidator.validate(resource, o),
      get terminology() {
        return live.currentValidator.terminology;
      },
    };
    this.indexWriter = {
      write: (client, entries: readonly IndexEntry[]) => live.currentWriter.write(client, entries),
      insertCtes: (resource, source, bind, replace, accessPatients) => live.currentWriter.insertCtes(resource, source, bind, replace, accessPatients),
      get extractor() {
        return live.currentWriter.extractor;
      },
    };
  }

  /** Read every stored definition from the database (at start, and after a notification). */
  async reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          this.appliedDuringReload = [];
          const rows = await this.options.rows.stored();
          const stored = new Map(rows.map((r) => [`${r.resourceType}/${r.id}`, r]));
          for (const c of this.appliedDuringReload) applyChange(stored, c);
          this.appliedDuringReload = undefined;
          this.stored = stored;
          this.rebuild();
        } while (this.reloadAgain);
      } finally {
        this.reloading = undefined;
        this.appliedDuringReload = undefined;
      }
    })();
    return this.reloading;
  }

  /** This instance's committed changes (the store's commit listener): definitions among them take effect now. */
  apply(changes: readonly Change[]): void {
    let touched = false;
    for (const c of changes) {
      if (!LIVE.has(c.resourceType)) continue;
      applyChange(this.stored, c);
      this.appliedDuringReload?.push(c);
      touched = true;
    }
    if (touched) this.rebuild();
  }

  /** Hear other writers' changes until the returned listener is stopped (main.ts: at shutdown). */
  listen(): Promise<DefinitionListener> {
    return this.options.rows.listen({
      onChange: () => this.scheduleReload(),
      onConnected: () => this.scheduleReload(),
      onError: (err) => this.options.onProblem?.({ message: `definitions listener: ${(err as Error).message}` }),
    });
  }

  private scheduleReload(): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.reload().catch((err) => this.options.onProblem?.({ message: `reloading stored definitions: ${(err as Error).message}` }));
    }, DEBOUNCE_MS);
    this.debounce.unref();
  }

  /** New stored layer, then a validator and index writer over it (both compile lazily, per type). */
  private rebuild(): void {
    const { input, problems } = prepareStoredLayer([...this.stored.values()], this.registry);
    for (const p of problems) this.options.onProblem?.(p);
    this.registry.setStored(input);
    this.currentValidator = createValidator(this.registry, this.options.validator);
    this.currentWriter = createIndexWriter(this.registry, this.options.indexing);
  }
}

/** One committed change into a map of stored definitions, unless the map already has a later version. */
function applyChange(stored: Map<string, Resource>, c: Change): void {
  const key = `${c.resourceType}/${c.id}`;
  const current = stored.get(key);
  if (current && Number(current.meta?.versionId ?? 0) > c.versionId) return;
  if (c.json === null) stored.delete(key);
  else stored.set(key, JSON.parse(c.json) as Resource);
}

/** A registry with the database's stored definitions in it (for tools: `kolibri reindex`). */
export async function registryWithStored(registry: DefinitionRegistry, storage: Pick<Storage, 'definitions'>): Promise<DefinitionRegistry> {
  const live = new LiveDefinitions({ rows: storage.definitions, registry: registry.fork() });
  await live.reload();
  return live.registry;
}
