// https://hl7.org/fhir/R4/http.html#transaction
import { badRequest, FhirError, preconditionFailed } from '../fhir/outcome';
import { BundleUrls, parseConditionalReference } from '../fhir/references/bundle-urls';
import { isRetryable, normalizeDatabaseError } from '../store/pg-errors';
import { lockAllCriteria } from './conditional';
import type { StoreTransaction } from '../store/resources';
import { parseEntry, type ParsedEntry } from './transaction-entry';
import { executeEntry, resolveCondition, type EntryOutcome } from './transaction-execute';
import type { BundleOptions } from './transaction-hooks';
import { entryRequest, prepareEntry, processingRank, type PreparedEntry } from './transaction-prepare';
import { rewriteReferences } from './transaction-references';
import { entryError, responseBundle, responseEntry } from './transaction-response';
import { storageOutcome } from './storage-outcome';
import type { InteractionDeps, InteractionResult } from './types';
import { writeTransaction } from './write-hooks';

/**
 * A transaction: every entry or none, in one database transaction with one clock reading.
 * Entries are checked by the single interactions' own code, ids are assigned up front so that
 * `urn:uuid:` and other fullUrl references are rewritten before anything is written, and the
 * entries run in the spec's order (DELETE, POST, PUT/PATCH, GET). Any entry's failure fails the
 * whole transaction with that entry's status and an OperationOutcome naming it.
 */
export async function transaction(deps: InteractionDeps, rawEntries: readonly unknown[], options: BundleOptions): Promise<InteractionResult> {
  const total = rawEntries.length;
  const named = (thrown: unknown, index: number, entry?: ParsedEntry): unknown => {
    const err = storageOutcome(thrown);
    if (!(err instanceof FhirError)) return err;
    const raw = rawEntries[index] as { request?: { method?: unknown; url?: unknown }; resource?: { resourceType?: unknown } } | undefined;
    return entryError(err, index, total, {
      method: entry?.method ?? String(raw?.request?.method ?? '?'),
      url: entry?.url ?? String(raw?.request?.url ?? '?'),
      resourceType: typeof raw?.resource?.resourceType === 'string' ? raw.resource.resourceType : undefined,
    });
  };
  const guard = <T>(index: number, entry: ParsedEntry | undefined, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw named(err, index, entry);
    }
  };

  const parsed = rawEntries.map((raw, i) => guard(i, undefined, () => parseEntry(deps, raw, i)));

  // Ids first, so that entries can reference each other whatever their order.
  const urls = new BundleUrls();
  const createIds = new Map<number, string>();
  const dynamic = new Set<number>(); // entries whose target is known only after a search (If-None-Exist, conditional update)
  for (const e of parsed) {
    const a = e.action;
    if (a.kind === 'create' || a.kind === 'conditional-update') createIds.set(e.index, deps.store.newId());
    if (e.fullUrl !== undefined) {
      if (urls.has(e.fullUrl)) guard(e.index, e, () => { throw badRequest(`fullUrl '${e.fullUrl}' is used by more than one entry`); });
      if (a.kind === 'create' && a.ifNoneExist === undefined) urls.set(e.fullUrl, `${a.type}/${createIds.get(e.index)}`);
      else if (a.kind === 'update') urls.set(e.fullUrl, `${a.type}/${a.id}`);
      else if (a.kind === 'create' || a.kind === 'conditional-update') dynamic.add(e.index);
    }
  }
  const conditionalRefs = rewriteReferences(deps.registry, parsed, urls);
  if (!options.resolveConditional) {
    for (const e of parsed) {
      const a = e.action;
      const what = conditionalRefs.has(e.index)
        ? `Conditional reference ${[...(conditionalRefs.get(e.index) as Set<string>)][0]}`
        : a.kind === 'create' && a.ifNoneExist !== undefined ? 'If-None-Exist'
        : a.kind === 'conditional-update' ? 'Conditional update'
        : a.kind === 'conditional-delete' ? 'Conditional delete'
        : undefined;
      if (what) guard(e.index, e, () => resolveConditionUnavailable(what));
    }
  }

  const prepared = parsed.map((e) => guard(e.index, e, () => prepareEntry(deps, e)));
  for (const e of prepared) {
    try {
      await options.authorize?.(entryRequest(e));
    } catch (err) {
      throw named(err, e.index, e);
    }
  }
  const order = [...prepared].sort((a, b) => processingRank(a) - processingRank(b) || a.index - b.index);

  const outcomes = await writeTransaction(deps, async (tx) => {
    const results: EntryOutcome[] = new Array(total);
    const matches = new Map<number, string[]>();
    const run = async (e: PreparedEntry) => {
      try {
        results[e.index] = await executeEntry(tx, { deps, resolve: options.resolveConditional, createId: createIds.get(e.index), matches: matches.get(e.index), trusted: options.trusted?.(e.index) }, e);
      } catch (err) {
        if (isRetryable(err)) throw err; // the store runs the whole transaction again
        throw named(normalizeDatabaseError(err), e.index, e);
      }
    };
    // Conditions decided in this transaction serialize with every other request deciding them.
    if (options.resolveConditional) await lockAllCriteria(tx, conditions(prepared));
    const deletes = order.filter((e) => e.method === 'DELETE');
    for (const e of deletes) await run(e);
    if (options.resolveConditional) await resolveDynamic(tx, deps, options, prepared, dynamic, conditionalRefs, createIds, matches, named);
    checkDistinctTargets(prepared, matches, named);
    for (const e of order) if (e.method !== 'DELETE') await run(e);
    return results;
  });
  return responseBundle('transaction-response', outcomes.map((o) => responseEntry(o, { minimal: options.preferMinimal ?? false })));
}

/** The criteria of If-None-Exist, conditional update and conditional delete entries. */
function conditions(entries: readonly PreparedEntry[]): Array<{ type: string; query: string }> {
  return entries.flatMap((e) => {
    const p = e.prepared;
    if (p.kind === 'create' && p.ifNoneExist !== undefined) return [{ type: p.type, query: p.ifNoneExist }];
    if (p.kind === 'conditional-update' || p.kind === 'conditional-delete') return [{ type: p.type, query: p.query }];
    return [];
  });
}

function resolveConditionUnavailable(what: string): never {
  throw new FhirError(501, [{ severity: 'error', code: 'not-supported', diagnostics: `${what} is not supported yet: it needs search, which is not connected to transactions` }]);
}

/**
 * After the deletes, before any other write: search for If-None-Exist, conditional update
 * targets and conditional references, then rewrite references to what they found.
 */
async function resolveDynamic(
  tx: StoreTransaction,
  deps: InteractionDeps,
  options: BundleOptions,
  entries: readonly PreparedEntry[],
  dynamic: ReadonlySet<number>,
  conditionalRefs: Map<number, Set<string>>,
  createIds: Map<number, string>,
  matches: Map<number, string[]>,
  named: (err: unknown, index: number, entry?: ParsedEntry) => unknown,
): Promise<void> {
  const ctx = { resolve: options.resolveConditional };
  const urls = new BundleUrls();
  for (const e of entries) {
    const p = e.prepared;
    const query = p.kind === 'create' ? p.ifNoneExist : p.kind === 'conditional-update' ? p.query : undefined;
    if (query === undefined || (p.kind !== 'create' && p.kind !== 'conditional-update')) continue;
    try {
      const ids = await resolveCondition(ctx, tx, p.type, query, p.kind === 'create' ? 'If-None-Exist' : 'Conditional update');
      matches.set(e.index, ids);
      const own = p.kind === 'conditional-update' ? p.resource.id : undefined;
      if (e.fullUrl !== undefined && dynamic.has(e.index) && ids.length <= 1) urls.set(e.fullUrl, `${p.type}/${ids[0] ?? own ?? createIds.get(e.index)}`);
    } catch (err) {
      if (isRetryable(err)) throw err; // the store runs the whole transaction again
      throw named(err, e.index, e);
    }
  }
  for (const [index, refs] of conditionalRefs) {
    for (const ref of refs) {
      const { type, query } = parseConditionalReference(ref) as { type: string; query: string };
      try {
        const ids = await resolveCondition(ctx, tx, type, query, 'Conditional reference');
        if (ids.length !== 1) {
          throw preconditionFailed(`Conditional reference ${ref} matches ${ids.length === 0 ? 'no' : 'more than one'} ${type}; it must match exactly one`);
        }
        urls.set(ref, `${type}/${ids[0]}`);
      } catch (err) {
        throw named(err, index, entries[index]);
      }
    }
  }
  if (urls.size) rewriteReferences(deps.registry, entries, urls);
}

/** "If any resource identities overlap in steps 1-3, then the transaction SHALL fail." */
function checkDistinctTargets(entries: readonly PreparedEntry[], matches: Map<number, string[]>, named: (err: unknown, index: number, entry?: ParsedEntry) => unknown): void {
  const seen = new Map<string, number>();
  for (const e of entries) {
    const p = e.prepared;
    const id = p.kind === 'update' || p.kind === 'patch' || p.kind === 'delete' ? p.id : p.kind === 'conditional-update' || p.kind === 'conditional-delete' ? matches.get(e.index)?.[0] : undefined;
    if (id === undefined || p.type === undefined) continue;
    const key = `${p.type}/${id}`;
    const first = seen.get(key);
    if (first !== undefined) throw named(badRequest(`${key} is also the target of entry ${first + 1}; a transaction may change a resource only once`), e.index, e);
    seen.set(key, e.index);
  }
}
