import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { CHANNEL_TYPES } from './subscription-rule';

/** The Subscription entry of the CapabilityStatement names the channel types delivered. */
export function withSubscriptionChannels(r: CapabilityStatementRestResource): CapabilityStatementRestResource {
  if (r.type !== 'Subscription') return r;
  return {
    ...r,
    documentation: `Channel types: ${CHANNEL_TYPES.join(', ')}. criteria: any type search the server supports, evaluated per committed change as the subscriber's own search; owned by the creating client.`,
  };
}
