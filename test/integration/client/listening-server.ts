import { nonCprUuid } from '../../support/ids';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../support/app';
import { freePort } from '../../support/free-port';
import { accessToken, registerVendorApp, type VendorApp } from '../auth/vendor-app';

/** A resource as the client tests read it (the libraries type their answers loosely). */
export interface ResourceJson {
  resourceType: string;
  id: string;
  meta: { versionId: string };
  [k: string]: unknown;
}
/** A Bundle as the client tests read it. */
export interface BundleJson {
  resourceType: 'Bundle';
  type: string;
  link?: Array<{ relation: string; url: string }>;
  entry?: Array<{ fullUrl?: string; resource?: ResourceJson; response?: { status: string; location?: string } }>;
}

/** A Kolibri listening on a loopback port with authentication on, as a vendor's client library meets it. */
export interface ListeningServer {
  t: TestApp;
  /** The server root, e.g. http://127.0.0.1:41234. */
  root: string;
  /** The FHIR base, `${root}/fhir`: BASE_URL too, so links and fullUrls lead back here. */
  fhirBase: string;
  /** A system client of its own municipality (an Organization the operator registered). */
  vendor: VendorApp;
  organization: string;
  /** A bearer token of the system client (SMART Backend Services, private_key_jwt). */
  token(scope?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startListeningServer(): Promise<ListeningServer> {
  const port = await freePort();
  const root = `http://127.0.0.1:${port}`;
  const t = await createTestApp({ auth: 'on', baseUrl: `${root}/fhir` });
  await t.app.listen({ port, host: '127.0.0.1' });
  const organization = nonCprUuid();
  await t.services.store.transaction((tx) => tx.update({ resourceType: 'Organization', id: organization, name: 'Kommune Klient' } as Resource, { allowCreate: true }));
  const vendor = await registerVendorApp(t, { organization: `Organization/${organization}`, scopes: ['system/*.cruds'] });
  return {
    t,
    root,
    fhirBase: `${root}/fhir`,
    vendor,
    organization,
    token: (scope = 'system/*.cruds') => accessToken(t, vendor, scope, { audience: `${root}/auth/token` }),
    close: () => t.close(),
  };
}
