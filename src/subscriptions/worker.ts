import type { Subscription } from '@medplum/fhirtypes';
import type { AuthContext } from '../auth/context';
import type { SharedDeps } from '../interactions/types';
import { repeat } from '../repeat';
import type { Storage } from '../store/storage';
import { claimOldest, dropNotifications, finishNotification, notifyPing, queueNotifications, retryNotification, type ClaimedNotification } from '../store/subscriptions';
import { currentMatch } from './criteria-match';
import { endpointRefusal, type EndpointPolicy, type Resolve } from './endpoint-policy';
import { postRestHook, type RestHookLimits } from './rest-hook';

export interface SubscriptionWorkerOptions {
  storage: Pick<Storage, 'changes' | 'subscriptions' | 'transaction'>;
  shared: SharedDeps;
  policy: EndpointPolicy;
  resolve?: Resolve;
  limits: RestHookLimits;
  /** Failed attempts of one notification after which the Subscription's status becomes `error`. */
  errorAfterAttempts: number;
  /** Delay before attempt n + 1: min(base × 2^n, max). */
  backoff: { baseMs: number; maxMs: number };
  onError: (err: unknown) => void;
}

const CONSUMER = 'subscriptions';

/** Delivery settings: 10 s per POST, 64 KiB of answer, `error` after 5 failures, back-off 2 s … 10 min. */
export const SUBSCRIPTION_DELIVERY = {
  limits: { timeoutMs: 10_000, maxResponseBytes: 65_536 },
  errorAfterAttempts: 5,
  backoff: { baseMs: 2_000, maxMs: 600_000 },
} as const;

/**
 * Turns the change log into rest-hook notifications, on every instance: changes of a subscribed
 * type are queued per subscription (one instance at a time, at least once); then each due
 * subscription is claimed by one deliverer, its oldest notification evaluated now (criteria as
 * the subscriber's search, restricted to the resource) and POSTed, removed when delivered, and
 * otherwise retried with back-off while the later ones wait (commit order per subscription). A
 * websocket subscription's notification is a `ping` NOTIFY committed with its removal.
 */
export class SubscriptionWorker {
  private stopRepeating: (() => Promise<void>) | undefined;

  constructor(private readonly options: SubscriptionWorkerOptions) {}

  /** Queue what the change log holds, then deliver what is due; resolves with the number delivered. */
  async runOnce(): Promise<number> {
    const { storage } = this.options;
    while ((await storage.changes.consume(CONSUMER, 500, async (changes, client) => void (await queueNotifications(client, changes)))) > 0);
    let delivered = 0;
    for (const id of await storage.subscriptions.due(100)) {
      // in order: the next one only after this one went out
      for (let i = 0; i < 50; i++) {
        const outcome = await this.deliverOldest(id);
        if (outcome !== 'delivered' && outcome !== 'skipped') break;
        if (outcome === 'delivered') delivered++;
      }
    }
    return delivered;
  }

  /** Run every `intervalMs` (after each run ends) until stopped. */
  start(intervalMs: number): void {
    this.stopRepeating = repeat(() => this.runOnce(), intervalMs, this.options.onError);
  }

  async stop(): Promise<void> {
    await this.stopRepeating?.();
  }

  /** 'none': nothing due or claimed elsewhere; 'skipped': removed without delivery; 'failed': retried later. */
  private async deliverOldest(subscriptionId: string): Promise<'none' | 'delivered' | 'skipped' | 'failed'> {
    let statusChange: { subscription: Subscription; status: 'active' | 'error'; error?: string } | undefined;
    const outcome = await this.options.storage.transaction(async (client): Promise<'none' | 'delivered' | 'skipped' | 'failed'> => {
      const claimed = await claimOldest(client, subscriptionId);
      if (!claimed) return 'none';
      const result = await this.attempt(claimed);
      if (result.kind === 'drop-all') {
        await dropNotifications(client, subscriptionId);
        return 'none';
      }
      if (result.kind === 'skip') {
        await finishNotification(client, claimed.n);
        return 'skipped';
      }
      if (result.kind === 'delivered') {
        if (result.ping) await notifyPing(client, subscriptionId);
        await finishNotification(client, claimed.n, 'delivered');
        if (result.subscription.status === 'error') statusChange = { subscription: result.subscription, status: 'active' };
        return 'delivered';
      }
      const { baseMs, maxMs } = this.options.backoff;
      await retryNotification(client, claimed.n, Math.min(baseMs * 2 ** claimed.attempts, maxMs), result.error);
      if (claimed.attempts + 1 >= this.options.errorAfterAttempts && result.subscription.status !== 'error') {
        statusChange = { subscription: result.subscription, status: 'error', error: result.error };
      }
      return 'failed';
    });
    if (statusChange) await this.setStatus(statusChange.subscription, statusChange.status, statusChange.error);
    return outcome;
  }

  private async attempt(
    claimed: ClaimedNotification,
  ): Promise<{ kind: 'drop-all' } | { kind: 'skip' } | { kind: 'delivered'; subscription: Subscription; ping?: true } | { kind: 'failed'; subscription: Subscription; error: string }> {
    if (!claimed.subscription || !claimed.clientActive) return { kind: 'drop-all' };
    const subscription = JSON.parse(claimed.subscription) as Subscription;
    if (subscription.status !== 'active' && subscription.status !== 'error') return { kind: 'drop-all' };
    const json = await currentMatch(this.options.shared, claimed.auth as AuthContext, subscription.criteria as string, claimed.id);
    if (json === undefined) return { kind: 'skip' };
    // websocket: every instance pings its clients bound to it when the claim commits
    if (subscription.channel.type === 'websocket') return { kind: 'delivered', subscription, ping: true };
    const endpoint = subscription.channel.endpoint as string;
    const refusal = await endpointRefusal(endpoint, this.options.policy, this.options.resolve);
    if (refusal) return { kind: 'failed', subscription, error: refusal };
    const payload = subscription.channel.payload ? { mimeType: subscription.channel.payload, body: json } : undefined;
    const sent = await postRestHook({ endpoint, payload, headers: subscription.channel.header ?? [] }, this.options.limits);
    return sent.ok ? { kind: 'delivered', subscription } : { kind: 'failed', subscription, error: sent.error };
  }

  /** Set the Subscription's status (and `error`) if it is still the version read. */
  private async setStatus(subscription: Subscription, status: 'active' | 'error', error?: string): Promise<void> {
    const next: Subscription = { ...subscription, status };
    if (error) next.error = error;
    else delete next.error;
    const seen = Number(subscription.meta?.versionId);
    await this.options.shared.store
      .transaction((tx) => tx.update(next, { allowCreate: false, ifMatch: seen }))
      .catch((err: { status?: number }) => {
        // changed meanwhile: the next delivery decides again
        if (err.status !== 412) throw err;
      });
  }
}
