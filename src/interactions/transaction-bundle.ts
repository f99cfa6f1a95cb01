// https://hl7.org/fhir/R4/http.html#transaction: POST [base] with a transaction or batch Bundle
import { badRequest, payloadTooLarge } from '../fhir/outcome';
import { batch } from './batch';
import { transaction } from './transaction';
import { DEFAULT_MAX_BUNDLE_ENTRIES, type BundleOptions } from './transaction-hooks';
import type { InteractionDeps, InteractionResult } from './types';

/**
 * The system-level POST: check the Bundle envelope (type, entries, size limit) and hand it to
 * transaction or batch processing. Entries themselves are checked one by one there.
 */
export async function processBundle(deps: InteractionDeps, body: unknown, options: BundleOptions = {}): Promise<InteractionResult> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('POST to the base URL takes a Bundle of type transaction or batch');
  const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown };
  if (bundle.resourceType !== 'Bundle') throw badRequest('POST to the base URL takes a Bundle of type transaction or batch', ['resourceType']);
  if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
    throw badRequest(`Bundle.type must be transaction or batch, got '${String(bundle.type)}'`, ['Bundle.type']);
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw badRequest('Bundle.entry must be an array', ['Bundle.entry']);
  const entries = (bundle.entry ?? []) as unknown[];
  const max = options.maxEntries ?? DEFAULT_MAX_BUNDLE_ENTRIES;
  if (entries.length > max) {
    throw payloadTooLarge(`The Bundle has ${entries.length} entries; this server takes at most ${max} (KOLIBRI_MAX_BUNDLE_ENTRIES)`);
  }
  return bundle.type === 'transaction' ? transaction(deps, entries, options) : batch(deps, entries, options);
}
