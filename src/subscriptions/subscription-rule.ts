import type { Subscription } from '@medplum/fhirtypes';
import { notFound, unprocessable } from '../fhir/outcome';

const refused = (diagnostics: string) => unprocessable([{ severity: 'error', code: 'business-rule', diagnostics }]);
import type { WriteHook } from '../interactions/write-hooks';
import { saveSubscriptionOwner, subscriptionOwner } from '../store/subscriptions';
import { criteriaRefusal, parseCriteria } from './criteria-match';
import { endpointRefusal, type EndpointPolicy, type Resolve } from './endpoint-policy';

/** The channel types this server delivers. */
export const CHANNEL_TYPES = ['rest-hook', 'websocket'] as const;

/**
 * The in-transaction rule of Subscription writes: a Subscription belongs to the client that
 * created it (another client's update or delete answers 404 as for a missing one); its criteria
 * must be a search the server supports and the subscriber may make, its channel a supported type
 * and its endpoint allowed (else 422, nothing written); a `requested` subscription the server
 * accepts becomes `active` in the same transaction.
 */
export function subscriptionWriteRule(policy: EndpointPolicy, resolve?: Resolve): WriteHook {
  const rule: WriteHook = async ({ tx, deps, changes }) => {
    const auth = deps.access.auth;
    for (const change of changes) {
      if (change.resourceType !== 'Subscription') continue;
      const owner = await subscriptionOwner(tx.client, change.id);
      if (owner !== undefined && owner !== auth.clientId) throw notFound(`Subscription/${change.id} is not known`);
      if (change.action === 'delete' || change.json === null) continue;
      const subscription = JSON.parse(change.json) as Subscription;
      const refusal = await refusalOf(subscription);
      if (refusal) throw refused(`Subscription not accepted: ${refusal}`);
      const criteria = subscription.criteria as string;
      const criteriaProblem = await criteriaRefusal(deps, auth, criteria);
      if (criteriaProblem) throw refused(`Subscription.criteria not accepted: ${criteriaProblem}`);
      await saveSubscriptionOwner(tx.client, { id: change.id, clientId: auth.clientId, auth: { ...auth, tokenId: undefined }, criteriaType: parseCriteria(criteria).resourceType });
      if (subscription.status === 'requested') {
        await tx.update({ ...subscription, status: 'active' }, { allowCreate: false });
      }
    }
  };
  rule.watches = (change) => change.resourceType === 'Subscription';

  async function refusalOf(s: Subscription): Promise<string | undefined> {
    if (!s.criteria) return 'criteria is required';
    const type = s.channel?.type as string | undefined;
    if (!type || !(CHANNEL_TYPES as readonly string[]).includes(type)) return `channel.type ${type ?? '(none)'} is not supported (supported: ${CHANNEL_TYPES.join(', ')})`;
    // websocket: the client connects and binds; there is no endpoint to call
    if (type === 'websocket') return undefined;
    if (!s.channel.endpoint) return 'channel.endpoint is required for rest-hook';
    return endpointRefusal(s.channel.endpoint, policy, resolve);
  }
  return rule;
}
