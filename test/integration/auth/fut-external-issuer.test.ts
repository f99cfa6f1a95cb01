import { createServer, type Server } from 'node:http';
import { nonCprUuid } from '../../support/ids';
import type { Resource } from '@medplum/fhirtypes';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { FUT_CLAIMS } from '../../../src/auth/config';
import { startFutServer, type FutServer } from './fut-client';

/**
 * Tokens of the national infrastructure's Keycloak, as they are: `azp`, `user_type`,
 * `context.{…}` absolute URLs of FUT's own servers, `realm_access.roles` — accepted over real
 * HTTP with the role map, their context enforced like ours.
 */
describe('FUT-shaped tokens from an external issuer', () => {
  const ISSUER = 'https://saml.ehealth.test/auth/realms/ehealth';
  const FUT = 'https://careplan.ehealth.test/fhir';
  let idp: Server;
  let s: FutServer;
  let key: CryptoKey;
  const ids = { team: '', otherTeam: '', a: '', b: '', obsA: '' };

  const store = (resource: Record<string, unknown>) => s.t.services.store.transaction((tx) => tx.create(resource as unknown as Resource)).then((r) => r.id);
  const token = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'kc-1' }).setIssuer(ISSUER).setAudience(s.fhirBase).setExpirationTime('5m').sign(key);
  const get = async (jwt: string, path: string) => {
    const res = await fetch(`${s.fhirBase}/${path}`, { headers: { authorization: `Bearer ${jwt}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    key = pair.privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'kc-1', alg: 'RS256' }] };
    idp = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const { port } = idp.address() as { port: number };
    s = await startFutServer({
      authSettings: (fhirBase) => ({
        externalIssuer: {
          issuer: ISSUER,
          audience: fhirBase,
          jwksUrl: `http://127.0.0.1:${port}/certs`,
          claims: FUT_CLAIMS,
          defaultKind: 'clinician',
          roles: { Sundhedsprofessionel: ['user/Observation.rs', 'user/Task.rs'] },
        },
      }),
    });
    ids.team = await store({ resourceType: 'CareTeam', status: 'active', managingOrganization: [{ reference: 'Organization/0851' }] });
    ids.otherTeam = await store({ resourceType: 'CareTeam', status: 'active', managingOrganization: [{ reference: 'Organization/0101' }] });
    ids.a = await store({ resourceType: 'Patient', gender: 'male' });
    ids.b = await store({ resourceType: 'Patient', gender: 'male' });
    await store({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${ids.a}` }, team: [{ reference: `CareTeam/${ids.team}` }] });
    await store({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${ids.b}` }, team: [{ reference: `CareTeam/${ids.otherTeam}` }] });
    ids.obsA = await store({ resourceType: 'Observation', status: 'final', code: { text: 'puls' }, subject: { reference: `Patient/${ids.a}` } });
    await store({ resourceType: 'Observation', status: 'final', code: { text: 'puls' }, subject: { reference: `Patient/${ids.b}` } });
  });
  afterAll(async () => {
    await s.close();
    await new Promise((resolve) => idp.close(resolve));
  });

  const clinicianClaims = (context: Record<string, string>) => ({
    azp: `fut-app-${nonCprUuid()}`,
    user_type: 'PRACTITIONER',
    context,
    realm_access: { roles: ['Sundhedsprofessionel', 'offline_access'] },
  });

  it('reads the care-team context from absolute URLs and the scopes from the roles', async () => {
    const jwt = await token(clinicianClaims({ organization_id: `${FUT}/Organization/0851`, care_team_id: `${FUT}/CareTeam/${ids.team}` }));
    const found = await get(jwt, `Observation?subject=Patient/${ids.a}`);
    expect(found.status).toBe(200);
    expect((found.body.entry as Array<{ resource: { id: string } }>).map((e) => e.resource.id)).toEqual([ids.obsA]);
    // no role grants Patient: 403 whatever the id
    expect((await get(jwt, `Patient/${ids.a}`)).status).toBe(403);
    // another care team's Tasks contradict the context
    const task = await get(jwt, `Task?owner=CareTeam/${ids.otherTeam}`);
    expect(task.status).toBe(403);
    expect(JSON.stringify(task.body)).toContain('contradicts');
    // the other team's patient is out of reach: a search without a contradiction finds only the team's own
    expect((await get(jwt, `Observation?code:text=puls`)).body.entry).toHaveLength(1);
  });

  it('enforces a patient context from FUT claims; a token without roles can do nothing', async () => {
    const jwt = await token(clinicianClaims({ organization_id: `${FUT}/Organization/0851`, care_team_id: `${FUT}/CareTeam/${ids.team}`, patient_id: `${FUT}/Patient/${ids.a}` }));
    expect((await get(jwt, `Observation?subject=Patient/${ids.b}`)).status).toBe(403);
    expect((await get(jwt, `Observation?subject=Patient/${nonCprUuid()}`)).status).toBe(403);
    expect((await get(jwt, `Observation?subject=Patient/${ids.a}`)).status).toBe(200);
    const roleless = await token({ ...clinicianClaims({ care_team_id: `${FUT}/CareTeam/${ids.team}` }), realm_access: { roles: ['offline_access'] } });
    expect((await get(roleless, `Observation?subject=Patient/${ids.a}`)).status).toBe(403);
  });
});
