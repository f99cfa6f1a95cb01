import type { Subscription } from '@medplum/fhirtypes';
import type { AuthContext } from '../auth/context';
import { FhirError } from '../fhir/outcome';
import { read } from '../interactions/read';
import { forRequest, type SharedDeps } from '../interactions/types';

/**
 * Why `auth` may not bind Subscription `id` on the websocket channel, or undefined: the bind is
 * a read of the Subscription with the caller's token (so only its owning client gets past it,
 * and a hidden id answers like a missing one), then it must be a live websocket subscription.
 */
export async function bindRefusal(shared: SharedDeps, auth: AuthContext, id: string): Promise<string | undefined> {
  let body: unknown;
  try {
    ({ body } = await read(forRequest(shared, auth), 'Subscription', id));
  } catch (err) {
    if (err instanceof FhirError) return `Subscription/${id} is not known`;
    throw err;
  }
  const subscription = (typeof body === 'string' ? JSON.parse(body) : body) as Subscription;
  if (subscription.channel?.type !== 'websocket') return `Subscription/${id} does not have channel type websocket`;
  if (subscription.status !== 'active' && subscription.status !== 'error') return `Subscription/${id} is ${subscription.status}`;
  return undefined;
}
