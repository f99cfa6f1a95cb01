// https://hl7.org/fhir/R4/http.html#transaction (batch processing rules)
import { badRequest, FhirError, preconditionFailed } from '../fhir/outcome';
import { parseConditionalReference } from '../fhir/references/bundle-urls';
import { visitReferences } from '../fhir/references/reference-walk';
import { history } from './history';
import { search } from './search';
import type { BundleEntryText } from './bundle-json';
import { parseEntry, type ParsedEntry } from './transaction-entry';
import { executeEntry, resolveCondition, type EntryOutcome } from './transaction-execute';
import type { BundleOptions } from './transaction-hooks';
import { entryRequest, prepareEntry, processingRank } from './transaction-prepare';
import { BUNDLE_LOCAL, entryResource, referencePlans } from './transaction-references';
import { errorEntry, responseBundle, responseEntry } from './transaction-response';
import type { InteractionDeps, InteractionResult } from './types';
import { writeTransaction } from './write-hooks';

/**
 * A batch: each entry on its own, in its own database transaction, with its own status or
 * OperationOutcome; one failing entry never affects another. Entries run in the transaction
 * order (DELETE, POST, PUT/PATCH, GET) and are answered in the request's order.
 */
export async function batch(deps: InteractionDeps, rawEntries: readonly unknown[], options: BundleOptions): Promise<InteractionResult> {
  const fullUrls = new Set(
    rawEntries.map((e) => (e as { fullUrl?: unknown } | null)?.fullUrl).filter((u): u is string => typeof u === 'string'),
  );
  const parsed: Array<ParsedEntry | FhirError> = rawEntries.map((raw, i) => {
    try {
      return parseEntry(deps, raw, i);
    } catch (err) {
      if (err instanceof FhirError) return err;
      throw err;
    }
  });
  const results: BundleEntryText[] = new Array(rawEntries.length);
  const order = parsed
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p instanceof FhirError ? -1 : processingRank(a.p)) - (b.p instanceof FhirError ? -1 : processingRank(b.p)) || a.i - b.i);
  for (const { p, i } of order) {
    try {
      if (p instanceof FhirError) throw p;
      results[i] = responseEntry(await runEntry(deps, options, p, fullUrls), { minimal: options.preferMinimal ?? false });
    } catch (err) {
      if (err instanceof FhirError) results[i] = errorEntry(err);
      else {
        options.onUnexpectedError?.(err, i);
        results[i] = errorEntry(new FhirError(500, [{ severity: 'error', code: 'exception', diagnostics: 'Internal server error processing this entry' }]));
      }
    }
  }
  return responseBundle('batch-response', results);
}

async function runEntry(deps: InteractionDeps, options: BundleOptions, parsed: ParsedEntry, fullUrls: ReadonlySet<string>): Promise<EntryOutcome> {
  await resolveReferences(deps, options, parsed, fullUrls);
  const entry = prepareEntry(deps, parsed);
  await options.authorize?.(entryRequest(entry));
  const p = entry.prepared;
  if (p.kind === 'search') {
    return { result: await search(deps, { type: p.type }, { params: [...new URLSearchParams(p.query)], strict: false }) };
  }
  if (p.kind === 'history') {
    const query: Record<string, string[]> = {};
    for (const [k, v] of new URLSearchParams(p.query)) (query[k] ??= []).push(v);
    return { result: await history(deps, { type: p.type, id: p.id }, query) };
  }
  return writeTransaction(deps, (tx) => executeEntry(tx, { deps, resolve: options.resolveConditional }, entry));
}

/**
 * "References within a Bundle.entry.resource to another Bundle.entry.resource that is being
 * created within the batch are considered to be non-conformant" → 400. Conditional references
 * are resolved through search, one match exactly.
 */
async function resolveReferences(deps: InteractionDeps, options: BundleOptions, entry: ParsedEntry, fullUrls: ReadonlySet<string>): Promise<void> {
  const resource = entryResource(entry);
  if (!resource) return;
  const conditional = new Set<string>();
  visitReferences(referencePlans(deps.registry), resource, {
    reference: (value) => {
      if (fullUrls.has(value) && value !== entry.fullUrl) {
        throw badRequest(`The reference '${value}' points at another entry of this batch; batch entries must be independent (use a transaction)`);
      }
      // a urn: reference resolves only within its bundle: one that names no entry resolves nowhere
      if (BUNDLE_LOCAL.test(value) && !fullUrls.has(value)) {
        throw new FhirError(400, [{ severity: 'error', code: 'not-found', diagnostics: `Reference '${value}' is not the fullUrl of any entry in this batch` }]);
      }
      if (parseConditionalReference(value)) conditional.add(value);
      return undefined;
    },
    uri: () => undefined,
  });
  if (!conditional.size) return;
  const targets = new Map<string, string>();
  for (const ref of conditional) {
    const { type, query } = parseConditionalReference(ref) as { type: string; query: string };
    const ids = await resolveCondition({ resolve: options.resolveConditional }, undefined, type, query, `Conditional reference ${ref}`);
    if (ids.length !== 1) throw preconditionFailed(`Conditional reference ${ref} matches ${ids.length === 0 ? 'no' : 'more than one'} ${type}; it must match exactly one`);
    targets.set(ref, `${type}/${ids[0]}`);
  }
  visitReferences(referencePlans(deps.registry), resource, { reference: (value) => targets.get(value), uri: () => undefined });
}
