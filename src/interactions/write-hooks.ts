import type { Resource } from '@medplum/fhirtypes';
import { ownOrganization } from '../auth/access-policy';
import type { StoreTransaction } from '../store/resources';
import type { Change } from '../store/versions';
import type { InteractionDeps } from './types';
import { storageOutcome } from './storage-outcome';

/** What an in-transaction write hook is given: the open transaction and what the request wrote in it. */
export interface WriteHookContext {
  tx: StoreTransaction;
  /** The request's deps: its caller (`access.auth`) and the shared services. */
  deps: InteractionDeps;
  /** Every change the request's own writes made, in order (the hooks' writes are not included). */
  changes: readonly Change[];
}

/**
 * A rule that reacts to a request's writes inside the same database transaction: it may read and
 * write through `tx`, and throwing fails the request as a whole (nothing is written). Layers above
 * the engine (telemedicine) register hooks in SharedDeps.writeHooks; the engine knows none of them.
 */
export type WriteHook = ((ctx: WriteHookContext) => Promise<void>) & {
  /**
   * Which changes the hook may act on (`resource`: the version to be written). A hook that says
   * it ignores a write lets that write be made in one statement without a transaction around it
   * (store.createAlone, store.updateAlone); a hook without it is run on every write, which keeps
   * every write in a transaction. `deps` are the request's (its caller, the definitions).
   */
  watches?: (change: WatchedChange, deps: InteractionDeps) => boolean;
};

export interface WatchedChange {
  action: Change['action'];
  resourceType: string;
  resource: Resource;
}

/** Whether some registered hook may act on this write (then it runs in a transaction with the hooks). */
export function hooksWatch(deps: InteractionDeps, change: WatchedChange): boolean {
  return (deps.writeHooks ?? []).some((hook) => !hook.watches || hook.watches(change, deps));
}

/**
 * `deps.store.transaction` for the writes of a request: runs `work`, then every registered write
 * hook on the changes `work` made, all in one transaction (retried as a unit by the store). A
 * storage-level refusal becomes the FHIR answer it means (storage-outcome.ts).
 */
export async function writeTransaction<T>(deps: InteractionDeps, work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
  try {
    return await runWriteTransaction(deps, work);
  } catch (err) {
    throw storageOutcome(err);
  }
}

function runWriteTransaction<T>(deps: InteractionDeps, work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
  return deps.store.transaction(
    async (tx) => {
      const result = await work(tx);
      const changes = tx.changes.slice();
      if (changes.length) for (const hook of deps.writeHooks ?? []) await hook({ tx, deps, changes });
      return result;
    },
    // what the request creates becomes its organization's record (resource.owner)
    { owner: ownOrganization(deps.access.policy) },
  );
}
