import { nonCprUuid } from '../../support/ids';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signAccessToken } from '../../../src/auth/access-token';
import type { Client } from '../../../src/auth/client-registration';
import { systemClock } from '../../../src/clock';
import { createTestApp, type TestApp } from '../../support/app';
import { clientsCli } from './clients-cli';
import { accessToken, ADMIN_TOKEN, decodeParts, vendorKeys } from './vendor-app';

/**
 * The operator kind (the national operator's tools: definitional resources, no patient data)
 * registered through the admin API and the CLI, and carried through its access token.
 */
describe('operator clients', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on', authSettings: { adminToken: ADMIN_TOKEN } });
    dir = mkdtempSync(join(tmpdir(), 'kolibri-operator-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('registers an operator client through the admin API; its token says client_kind operator and authenticates as kind operator', async () => {
    const keys = await vendorKeys();
    const clientId = `operator-${nonCprUuid()}`;
    const added = await t.app.inject({
      method: 'POST',
      url: '/admin/clients',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { clientId, kind: 'operator', organization: 'Organization/sds', scopes: 'system/Questionnaire.cruds system/ActivityDefinition.cruds', jwks: { keys: [keys.publicJwk] } },
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ clientId, kind: 'operator' });

    const token = await accessToken(t, { clientId, ...keys, client: added.json() }, 'system/Questionnaire.cruds');
    expect(decodeParts(token).payload).toMatchObject({ client_id: clientId, client_kind: 'operator', organization: 'Organization/sds' });
    expect(await t.auth.authenticate(token)).toMatchObject({ clientId, kind: 'operator', organization: 'Organization/sds' });
  });

  it('registers an operator client through `kolibri clients add --kind operator`', async () => {
    const keys = await vendorKeys();
    const clientId = `operator-cli-${nonCprUuid()}`;
    const jwksFile = join(dir, `${clientId}.jwks.json`);
    writeFileSync(jwksFile, JSON.stringify({ keys: [keys.publicJwk] }));
    const { code, out } = await clientsCli('add', '--id', clientId, '--kind', 'operator', '--organization', 'Organization/sds', '--scopes', 'system/ValueSet.cruds', '--jwks', jwksFile);
    expect(code).toBe(0);
    expect(out).toContain(`registered ${clientId} (operator, Organization/sds)`);

    const client = await t.auth.clients.get(clientId);
    expect(client).toMatchObject({ kind: 'operator', scopes: ['system/ValueSet.cruds'] });
    const token = await accessToken(t, { clientId, ...keys, client: client as Client }, 'system/ValueSet.rs');
    expect(await t.auth.authenticate(token)).toMatchObject({ clientId, kind: 'operator' });
  });

  it('refuses an access token of ours whose client_kind this server does not know', async () => {
    const deps = { keys: t.auth.keys, clock: systemClock, issuer: t.auth.urls.issuer, audience: t.auth.urls.audience, ttlSeconds: 300 };
    const robot = { clientId: `robot-${nonCprUuid()}`, kind: 'robot', organization: 'Organization/sds', scopes: [], status: 'active', createdAt: '' } as unknown as Client;
    const { token } = await signAccessToken(deps, robot, [], {});
    await expect(t.auth.authenticate(token)).rejects.toThrow(/client_kind/);
  });
});
