import { nonCprUuid } from '../../support/ids';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '../../../src/auth/client-registration';
import { createTestApp, type TestApp } from '../../support/app';
import { clientsCli } from './clients-cli';
import { ADMIN_TOKEN, decodeParts, requestToken, vendorKeys, type VendorApp } from './vendor-app';

/**
 * A citizen client is registered for one patient (admin API or CLI `--patient`); its tokens are
 * for that patient, whatever its assertion asks for (issue 12 item 5).
 */
describe('citizen clients bound to their patient', () => {
  let t: TestApp;
  let dir: string;
  let patient: string;
  let otherPatient: string;

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on', authSettings: { adminToken: ADMIN_TOKEN } });
    dir = mkdtempSync(join(tmpdir(), 'kolibri-citizen-'));
    const seed = async () => (await t.services.store.transaction((tx) => tx.create({ resourceType: 'Patient' }))).id;
    patient = await seed();
    otherPatient = await seed();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  const admin = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, ...(payload ? { payload } : {}) });

  it('registers a citizen client with its patient through the admin API; its tokens are for that patient only', async () => {
    const keys = await vendorKeys();
    const clientId = `citizen-${nonCprUuid()}`;
    const body = { clientId, kind: 'citizen', organization: 'Organization/0851', scopes: 'patient/*.rs', jwks: { keys: [keys.publicJwk] } };

    const unbound = await admin('POST', '/admin/clients', body);
    expect(unbound.statusCode).toBe(400);
    expect(JSON.stringify(unbound.json().issue)).toMatch(/patient: a reference Patient\/<id>, required for a citizen client/);
    const onSystem = await admin('POST', '/admin/clients', { ...body, kind: 'system', scopes: 'system/*.rs', patient: `Patient/${patient}` });
    expect(onSystem.statusCode).toBe(400);

    const added = await admin('POST', '/admin/clients', { ...body, patient: `Patient/${patient}` });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ clientId, kind: 'citizen', patient: `Patient/${patient}` });
    expect((await admin('GET', `/admin/clients/${clientId}`)).json().patient).toBe(`Patient/${patient}`);

    const app: VendorApp = { clientId, ...keys, client: added.json() as Client };
    const own = await requestToken(t, app, 'patient/*.rs');
    expect(own.statusCode).toBe(200);
    expect(decodeParts(own.json().access_token).payload).toMatchObject({ client_kind: 'citizen', patient: `Patient/${patient}` });
    const other = await requestToken(t, app, 'patient/*.rs', { claims: { patient: `Patient/${otherPatient}` } });
    expect(`${other.statusCode} ${other.json().error}`).toBe('400 invalid_grant');
  });

  it('registers a citizen client with `kolibri clients add --patient` and lists its patient', async () => {
    const keys = await vendorKeys();
    const clientId = `citizen-cli-${nonCprUuid()}`;
    const jwksFile = join(dir, `${clientId}.jwks.json`);
    writeFileSync(jwksFile, JSON.stringify({ keys: [keys.publicJwk] }));
    const add = ['add', '--id', clientId, '--kind', 'citizen', '--organization', 'Organization/0851', '--scopes', 'patient/*.rs', '--jwks', jwksFile];

    const refused = await clientsCli(...add);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/patient: a reference Patient\/<id>, required for a citizen client/);

    const added = await clientsCli(...add, '--patient', `Patient/${patient}`);
    expect(added).toMatchObject({ code: 0, out: `registered ${clientId} (citizen, Organization/0851, Patient/${patient})\n` });
    const listed = (await clientsCli('list')).out.split('\n').find((line) => line.startsWith(`${clientId}\t`));
    expect(listed).toBe(`${clientId}\tactive\tcitizen\tOrganization/0851\tPatient/${patient}\tpatient/*.rs`);
    const json = JSON.parse((await clientsCli('list', '--json')).out) as Client[];
    expect(json.find((c) => c.clientId === clientId)?.patient).toBe(`Patient/${patient}`);

    const app: VendorApp = { clientId, ...keys, client: (await t.auth.clients.get(clientId)) as Client };
    const res = await requestToken(t, app, 'patient/*.rs', { claims: { patient: `Patient/${otherPatient}` } });
    expect(res.json().error).toBe('invalid_grant');
    expect((await requestToken(t, app, 'patient/*.rs')).json().patient).toBe(patient);
  });

  it('keeps the rule in the database too: no citizen client without a patient, no patient on another kind', async () => {
    const row = (kind: string, patientRef: string | null) =>
      t.pool.query(`INSERT INTO auth_client (client_id, kind, organization, patient, scopes, jwks_uri) VALUES ($1, $2, 'Organization/0851', $3, '{}', 'https://x.test/jwks')`, [
        `db-${nonCprUuid()}`,
        kind,
        patientRef,
      ]);
    await expect(row('citizen', null)).rejects.toThrow(/auth_client_citizen_patient_ck/);
    await expect(row('system', `Patient/${patient}`)).rejects.toThrow(/auth_client_patient_ck/);
    await expect(row('citizen', 'Practitioner/1')).rejects.toThrow(/auth_client_patient_ck/);
    await expect(row('citizen', `Patient/${patient}`)).resolves.toBeDefined();
  });
});
