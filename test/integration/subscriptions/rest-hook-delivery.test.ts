import { nonCprUuid } from '../../support/ids';
import { eventually } from '../../support/eventually';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { notificationStats } from '../../../src/store/subscriptions';
import { SubscriptionWorker } from '../../../src/subscriptions/worker';
import { createTestApp, type TestApp } from '../../support/app';
import { migratedDatabase } from '../../support/own-database';
import type { FreshDatabase } from '../ops/fresh-database';
import { spo2Observation } from '../../support/spo2';
import { accessToken, registerVendorApp } from '../auth/vendor-app';
import { call, seedSubscribers, type Subscribers } from './subscribers';

/**
 * Rest-hook Subscriptions end to end: two server instances on one database, each with its own
 * delivery worker, a real HTTP listener as the subscribers' endpoint.
 */
describe('rest-hook subscriptions', () => {
  let server: Server;
  let base = '';
  const received: Array<{ path: string; headers: Record<string, unknown>; body: string }> = [];
  /** Per path: how the listener answers (default 200). */
  const answer = new Map<string, number>();
  let db: FreshDatabase;
  let one: TestApp;
  let two: TestApp;
  const workers: SubscriptionWorker[] = [];
  let orgA = '';
  let tok: Subscribers['tok'];
  let patientA = '';

  const subscription = (path: string, criteria: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'test',
    criteria,
    channel: { type: 'rest-hook', endpoint: `${base}${path}`, payload: 'application/fhir+json', header: ['X-Secret: s-1'], ...extra },
  });
  /** Both instances' workers, concurrently, a few rounds. */
  const deliver = async (rounds = 3) => {
    for (let i = 0; i < rounds; i++) await Promise.all(workers.map((w) => w.runOnce()));
  };
  const at = (path: string) => received.filter((r) => r.path === path);
  /**
   * Deliver until `path` got `count` requests: any transaction still open in the cluster (a test
   * file alongside migrating its own database, a long write) holds the change log back until it
   * ends, seconds on a loaded machine.
   */
  const deliverUntil = (path: string, count: number) =>
    eventually(
      async () => {
        await deliver(1);
        return at(path).length >= count;
      },
      { intervalMs: 50 },
    );

  beforeAll(async () => {
    server = createServer((req, res: ServerResponse) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        res.writeHead(answer.get(req.url ?? '') ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // a database of its own: the change log, the 'subscriptions' consumer and the notification
    // queue are the database's. On the shared one, every Observation another file wrote without
    // owner reached B's `Observation?` subscription (staff may read such rows), other files'
    // workers claimed these subscriptions' notifications (and refused the loopback endpoint), and
    // these workers evaluated every subscription other files left behind
    db = await migratedDatabase('kolibri_hooks');
    const options = { auth: 'on' as const, subscriptionEndpoints: [`${base}/`], databaseUrl: db.url };
    one = await createTestApp(options);
    two = await createTestApp(options);
    for (const t of [one, two]) {
      workers.push(
        new SubscriptionWorker({
          storage: t.storage,
          shared: t.services.interactions,
          policy: { prefixes: [`${base}/`] },
          // the listener runs in this process: a timeout on a stalled worker would deliver twice
          limits: { timeoutMs: 10_000, maxResponseBytes: 4096 },
          errorAfterAttempts: 2,
          backoff: { baseMs: 20, maxMs: 100 },
          onError: () => undefined,
        }),
      );
    }
    // start the delivery consumer at the present end of the change log
    await deliver(1);
    ({ orgA, patientA, tok } = await seedSubscribers(one));
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await db?.drop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is listed with its channel types in the CapabilityStatement', async () => {
    const metadata = (await one.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
    const entry = metadata.rest[0].resource.find((r: { type: string }) => r.type === 'Subscription');
    expect(entry.documentation).toContain('Channel types: rest-hook');
  });

  it('accepts a subscription as active, refuses bad criteria, channel types and endpoints', async () => {
    const created = await call(one, tok.a, 'POST', '/fhir/Subscription', subscription('/accept', 'Observation?code=http://loinc.org|59408-5'));
    expect(created.statusCode).toBe(201);
    const read = await call(two, tok.a, 'GET', `/fhir/Subscription/${created.json().id}`);
    expect(read.json().status).toBe('active');
    const refusals = [
      subscription('/x', 'Observation?no-such-parameter=1'),
      subscription('/x', 'NoSuchType?a=b'),
      { ...subscription('/x', 'Observation'), channel: { type: 'email', endpoint: 'mailto:a@example.dk' } },
      { ...subscription('/x', 'Observation'), channel: { type: 'rest-hook', endpoint: 'https://hooks.example.dk/elsewhere' } },
    ];
    for (const body of refusals) {
      const res = await call(one, tok.a, 'POST', '/fhir/Subscription', body);
      expect(res.statusCode).toBe(422);
      expect(res.json().resourceType).toBe('OperationOutcome');
    }
  });

  it('delivers a write on one instance once, from either instance, with payload and headers; another municipality’s subscriptions get nothing', async () => {
    const mine = await call(one, tok.a, 'POST', '/fhir/Subscription', subscription('/a', `Observation?patient=Patient/${patientA}`));
    const empty = await call(one, tok.a, 'POST', '/fhir/Subscription', subscription('/a-empty', 'Observation', { payload: undefined }));
    const theirsAll = await call(one, tok.b, 'POST', '/fhir/Subscription', subscription('/b-all', 'Observation?'));
    const theirsPatient = await call(one, tok.b, 'POST', '/fhir/Subscription', subscription('/b-patient', `Observation?patient=Patient/${patientA}`));
    for (const r of [mine, empty, theirsAll, theirsPatient]) expect(r.statusCode).toBe(201);
    const obs = await call(two, tok.a, 'POST', '/fhir/Observation', spo2Observation(patientA, 91));
    expect(obs.statusCode).toBe(201);
    await deliverUntil('/a-empty', 1);
    await deliverUntil('/a', 1);
    await deliver();
    expect(at('/a')).toHaveLength(1);
    expect(JSON.parse(at('/a')[0].body)).toMatchObject({ resourceType: 'Observation', id: obs.json().id });
    expect(at('/a')[0].headers).toMatchObject({ 'x-secret': 's-1', 'content-type': 'application/fhir+json' });
    expect(at('/a-empty')).toHaveLength(1);
    expect(at('/a-empty')[0].body).toBe('');
    expect(at('/b-all')).toHaveLength(0);
    expect(at('/b-patient')).toHaveLength(0);
    // deleting notifies nothing
    expect((await call(one, tok.a, 'DELETE', `/fhir/Observation/${obs.json().id}`)).statusCode).toBe(200);
    await deliver();
    expect(at('/a')).toHaveLength(1);
    const stats = await notificationStats(one.pool);
    expect(stats.delivered).toBeGreaterThanOrEqual(2);
  });

  it('retries while the endpoint is down, sets error after repeated failure, and active again once delivered', async () => {
    answer.set('/down', 503);
    const sub = await call(one, tok.a, 'POST', '/fhir/Subscription', subscription('/down', `Observation?patient=Patient/${patientA}`));
    const id = sub.json().id as string;
    const first = await call(one, tok.a, 'POST', '/fhir/Observation', spo2Observation(patientA, 92));
    const second = await call(one, tok.a, 'POST', '/fhir/Observation', spo2Observation(patientA, 93));
    await eventually(
      async () => {
        await deliver(1);
        return at('/down').length >= 3;
      },
      { intervalMs: 60 },
    );
    expect(at('/down').length).toBeGreaterThanOrEqual(2);
    // in order: only the first was tried
    expect(at('/down').every((r) => JSON.parse(r.body).id === first.json().id)).toBe(true);
    const failing = (await call(one, tok.a, 'GET', `/fhir/Subscription/${id}`)).json();
    expect(failing.status).toBe('error');
    expect(failing.error).toContain('503');
    expect((await notificationStats(one.pool)).queued).toBeGreaterThanOrEqual(2);
    answer.delete('/down');
    received.length = 0;
    await new Promise((r) => setTimeout(r, 120));
    await deliverUntil('/down', 2);
    expect(at('/down').map((r) => JSON.parse(r.body).id)).toEqual([first.json().id, second.json().id]);
    expect((await call(one, tok.a, 'GET', `/fhir/Subscription/${id}`)).json().status).toBe('active');
  });

  it('is its owner’s: other clients, of another municipality or the same organization, get 404 as for a missing one and cannot change it', async () => {
    const id = (await call(one, tok.a, 'POST', '/fhir/Subscription', subscription('/own', 'Observation'))).json().id as string;
    const missing = nonCprUuid();
    for (const [method, url, body] of [
      ['GET', `/fhir/Subscription/${id}`, undefined],
      ['PUT', `/fhir/Subscription/${id}`, { ...subscription('/stolen', 'Observation'), id }],
      ['DELETE', `/fhir/Subscription/${id}`, undefined],
    ] as const) {
      const hidden = await call(two, tok.b, method, url, body);
      const absent = await call(two, tok.b, method, url.replace(id, missing), body && { ...body, id: missing });
      if (method === 'GET') expect([hidden.statusCode, absent.statusCode]).toEqual([404, 404]);
      // a PUT to a hidden id is refused as update-as-create of an id taken (the engine's answer for any hidden resource)
      else if (method === 'PUT') expect(hidden.statusCode).toBe(405);
      else expect(hidden.statusCode).toBe(absent.statusCode);
    }
    // neither another municipality's client nor a second client of the same organization reads, finds or changes it
    for (const other of [tok.b, tok.a2]) {
      for (const url of [`/fhir/Subscription/${id}`, `/fhir/Subscription/${id}/_history`, `/fhir/Subscription/${id}/_history/1`]) {
        const hidden = await call(two, other, 'GET', url);
        const absent = await call(two, other, 'GET', url.replace(id, missing));
        expect([url, hidden.statusCode]).toEqual([url, 404]);
        expect(hidden.statusCode).toBe(absent.statusCode);
      }
      for (const url of [`/fhir/Subscription?_id=${id}`, '/fhir/Subscription', `/fhir/Subscription/_history`]) {
        const found = await call(one, other, 'GET', url);
        expect([url, found.statusCode]).toEqual([url, 200]);
        const ids = (found.json().entry ?? []).map((e: { resource?: { id?: string } }) => e.resource?.id);
        expect(ids).not.toContain(id);
      }
      const changed = await call(one, other, 'PUT', `/fhir/Subscription/${id}`, { ...subscription('/stolen', 'Observation'), id });
      expect([404, 405]).toContain(changed.statusCode);
      const deleted = await call(one, other, 'DELETE', `/fhir/Subscription/${id}`);
      const deletedAbsent = await call(one, other, 'DELETE', `/fhir/Subscription/${missing}`);
      expect(deleted.statusCode).toBe(deletedAbsent.statusCode);
    }
    // the owner still finds it
    expect((await call(one, tok.a, 'GET', `/fhir/Subscription?_id=${id}`)).json().entry).toHaveLength(1);
    expect((await call(one, tok.a, 'GET', `/fhir/Subscription/${id}`)).json().channel.endpoint).toBe(`${base}/own`);
  });

  it('stops the subscriptions of a revoked client', async () => {
    const app = await registerVendorApp(one, { organization: `Organization/${orgA}`, scopes: ['system/*.cruds'] });
    const token = await accessToken(one, app, 'system/*.cruds');
    expect((await call(one, token, 'POST', '/fhir/Subscription', subscription('/revoked', 'Observation'))).statusCode).toBe(201);
    expect((await call(one, token, 'POST', '/fhir/Subscription', subscription('/revoked-later', 'Observation'))).statusCode).toBe(201);
    await call(one, tok.a, 'POST', '/fhir/Observation', spo2Observation(patientA, 94));
    await deliverUntil('/revoked', 1);
    expect(at('/revoked')).toHaveLength(1);
    await one.auth.revoke(app.clientId);
    await call(one, tok.a, 'POST', '/fhir/Observation', spo2Observation(patientA, 95));
    const control = await call(one, tok.a, 'POST', '/fhir/Subscription', subscription('/control', 'Observation'));
    expect(control.statusCode).toBe(201);
    await call(one, tok.a, 'POST', '/fhir/Observation', spo2Observation(patientA, 96));
    await deliverUntil('/control', 1);
    await deliver();
    expect(at('/revoked')).toHaveLength(1);
    expect(at('/revoked-later')).toHaveLength(1);
  });
});
