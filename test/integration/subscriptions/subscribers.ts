import { nonCprUuid } from '../../support/ids';
import type { Resource } from '@medplum/fhirtypes';
import type { TestApp } from '../../support/app';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

/** The subscribers of the subscription tests: municipality A's patient and two of its system clients, and one of municipality B. */
export interface Subscribers {
  orgA: string;
  orgB: string;
  patientA: string;
  /** Tokens: A's first client, A's second client (same organization), B's client. */
  tok: { a: string; a2: string; b: string };
}

export async function seedSubscribers(t: TestApp): Promise<Subscribers> {
  const orgA = nonCprUuid();
  const orgB = nonCprUuid();
  const seed = async (r: Resource) => (await t.services.store.transaction((tx) => tx.create(r))).id;
  const patientA = await seed({ resourceType: 'Patient', name: [{ family: 'A' }] });
  await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patientA}` }, managingOrganization: { reference: `Organization/${orgA}` } });
  const token = async (org: string) => accessToken(t, await registerVendorApp(t, { organization: `Organization/${org}`, scopes: ['system/*.cruds'] }), 'system/*.cruds');
  return { orgA, orgB, patientA, tok: { a: await token(orgA), a2: await token(orgA), b: await token(orgB) } };
}

/** One request as `token`'s client, through app.inject. */
export function call(t: TestApp, token: string, method: string, url: string, payload?: unknown) {
  return t.app.inject({
    method: method as 'POST',
    url,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}
