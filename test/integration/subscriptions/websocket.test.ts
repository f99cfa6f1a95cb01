import { nonCprUuid } from '../../support/ids';
import { eventually } from '../../support/eventually';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { SubscriptionWorker } from '../../../src/subscriptions/worker';
import { createTestApp, type TestApp } from '../../support/app';
import { migratedDatabase } from '../../support/own-database';
import type { FreshDatabase } from '../ops/fresh-database';
import { spo2Observation } from '../../support/spo2';
import { accessToken, registerVendorApp } from '../auth/vendor-app';
import { call, seedSubscribers, type Subscribers } from './subscribers';

/** A websocket client that keeps every text message it was sent. */
interface Client {
  ws: WebSocket;
  messages: string[];
  /** Send `text` and wait for the next message (the answer to a bind). */
  ask(text: string): Promise<string>;
}

async function connect(url: string, token?: string): Promise<Client> {
  const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const messages: string[] = [];
  const waiting: Array<(m: string) => void> = [];
  ws.on('message', (data) => {
    const text = String(data);
    messages.push(text);
    waiting.shift()?.(text);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    ask: (text) =>
      new Promise<string>((resolve) => {
        waiting.push(resolve);
        ws.send(text);
      }),
  };
}

/**
 * The R4 websocket channel end to end: two listening server instances on one database, real
 * websocket clients bound on the second, the delivery worker of the first.
 */
describe('websocket subscriptions', () => {
  let db: FreshDatabase;
  let one: TestApp;
  let two: TestApp;
  let wsUrl = '';
  let worker: SubscriptionWorker;
  let orgA = '';
  let tok: Subscribers['tok'];
  let patientA = '';
  const clients: Client[] = [];
  const workerSettings = {
    policy: {},
    limits: { timeoutMs: 2000, maxResponseBytes: 4096 },
    errorAfterAttempts: 2,
    backoff: { baseMs: 20, maxMs: 100 },
    onError: () => undefined,
  };

  const subscribe = async (token: string, criteria: string) => {
    const res = await call(one, token, 'POST', '/fhir/Subscription', { resourceType: 'Subscription', status: 'requested', reason: 'test', criteria, channel: { type: 'websocket' } });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const client = async (token?: string) => {
    const c = await connect(wsUrl, token);
    clients.push(c);
    return c;
  };
  /**
   * Run the worker until `c` got `count` messages: any transaction still open in the cluster (a
   * test file alongside migrating its own database, a long write) holds the change log back
   * until it ends, seconds on a loaded machine.
   */
  const deliverUntil = (c: Client, count: number) =>
    eventually(
      async () => {
        await worker.runOnce();
        return c.messages.length >= count;
      },
      { intervalMs: 50 },
    );

  beforeAll(async () => {
    // a database of its own: the change log, the 'subscriptions' consumer and the notification
    // queue are the database's. On the shared one, every Observation another file wrote without
    // owner pinged B's `Observation` subscription (staff may read such rows), other files'
    // workers claimed these notifications, and this worker evaluated every subscription other
    // files left behind
    db = await migratedDatabase('kolibri_ws');
    one = await createTestApp({ auth: 'on', databaseUrl: db.url });
    two = await createTestApp({ auth: 'on', databaseUrl: db.url });
    await two.app.listen({ port: 0, host: '127.0.0.1' });
    wsUrl = `ws://127.0.0.1:${(two.app.server.address() as AddressInfo).port}/fhir/websocket`;
    worker = new SubscriptionWorker({ ...workerSettings, storage: one.storage, shared: one.services.interactions });
    // start the delivery consumer at the present end of the change log
    await worker.runOnce();
    ({ orgA, patientA, tok } = await seedSubscribers(one));
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await one?.close();
    await two?.close();
    await db?.drop();
  });

  it('is advertised by the CapabilityStatement’s websocket extension and listed as a channel type', async () => {
    const metadata = (await one.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
    const ext = metadata.rest[0].extension.find((e: { url: string }) => e.url === 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket');
    expect(ext.valueUri).toBe('ws://kolibri.test/fhir/websocket');
    const entry = metadata.rest[0].resource.find((r: { type: string }) => r.type === 'Subscription');
    expect(entry.documentation).toContain('Channel types: rest-hook, websocket');
  });

  it('binds with the owner’s token, pings on a matching write from another instance, and another municipality’s bound subscription gets nothing', async () => {
    const mine = await subscribe(tok.a, `Observation?patient=Patient/${patientA}`);
    const theirs = await subscribe(tok.b, 'Observation');
    const a = await client(tok.a);
    expect(await a.ask(`bind ${mine}`)).toBe(`bound ${mine}`);
    // a browser's way: the token in the bind message
    const b = await client();
    expect(await b.ask(`bind ${theirs} ${tok.b}`)).toBe(`bound ${theirs}`);
    const obs = await call(one, tok.a, 'POST', '/fhir/Observation', spo2Observation(patientA, 90));
    expect(obs.statusCode).toBe(201);
    await deliverUntil(a, 2);
    for (let i = 0; i < 3; i++) await worker.runOnce();
    await new Promise((r) => setTimeout(r, 100));
    expect(a.messages).toEqual([`bound ${mine}`, `ping ${mine}`]);
    expect(b.messages).toEqual([`bound ${theirs}`]);
  });

  it('refuses a bind by another municipality’s or another client’s token, or without one, exactly as for a missing id', async () => {
    const mine = await subscribe(tok.a, 'Observation');
    const missing = nonCprUuid();
    for (const token of [tok.b, tok.a2]) {
      const other = await client(token);
      const hidden = await other.ask(`bind ${mine}`);
      const absent = await other.ask(`bind ${missing}`);
      expect(hidden).toMatch(new RegExp(`^error ${mine} `));
      expect(hidden.replaceAll(mine, 'ID')).toBe(absent.replaceAll(missing, 'ID'));
      // the token in the message is checked the same way
      expect((await other.ask(`bind ${mine} ${token}`)).replaceAll(mine, 'ID')).toBe(absent.replaceAll(missing, 'ID'));
    }
    const anonymous = await client();
    expect(await anonymous.ask(`bind ${mine}`)).toMatch(new RegExp(`^error ${mine} an access token is required`));
    expect(await anonymous.ask(`bind ${mine} not-a-token`)).toMatch(new RegExp(`^error ${mine} `));
    expect(await anonymous.ask('subscribe everything')).toMatch(/^error /);
    // none of them is pinged
    const watcher = await client(tok.a);
    expect(await watcher.ask(`bind ${mine}`)).toBe(`bound ${mine}`);
    await call(one, tok.a, 'POST', '/fhir/Observation', spo2Observation(patientA, 91));
    await deliverUntil(watcher, 2);
    expect(watcher.messages).toContain(`ping ${mine}`);
    for (const c of clients.slice(-4, -1)) expect(c.messages.some((m) => m.startsWith('ping'))).toBe(false);
  });

  it('refuses a bind of a rest-hook subscription, and stops pinging once the client is revoked', async () => {
    const app = await registerVendorApp(one, { organization: `Organization/${orgA}`, scopes: ['system/*.cruds'] });
    const token = await accessToken(one, app, 'system/*.cruds');
    const sub = await subscribe(token, `Observation?patient=Patient/${patientA}`);
    const c = await client(token);
    expect(await c.ask(`bind ${sub}`)).toBe(`bound ${sub}`);
    await one.auth.revoke(app.clientId);
    await call(one, tok.a, 'POST', '/fhir/Observation', spo2Observation(patientA, 92));
    const control = await subscribe(tok.a, `Observation?patient=Patient/${patientA}`);
    const watcher = await client(tok.a);
    expect(await watcher.ask(`bind ${control}`)).toBe(`bound ${control}`);
    await call(one, tok.a, 'POST', '/fhir/Observation', spo2Observation(patientA, 93));
    await deliverUntil(watcher, 2);
    expect(watcher.messages).toContain(`ping ${control}`);
    expect(c.messages.filter((m) => m.startsWith('ping'))).toEqual([]);
    const restHook = await call(one, tok.a, 'POST', '/fhir/Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'test',
      criteria: 'Observation',
      channel: { type: 'rest-hook', endpoint: 'https://hooks.example.dk/x', payload: 'application/fhir+json' },
    });
    if (restHook.statusCode === 201) expect(await watcher.ask(`bind ${restHook.json().id}`)).toMatch(/^error .* does not have channel type websocket$/);
  });

  it('pings with KOLIBRI_AUTH=off too (a subscriber that is no registered client)', async () => {
    const open = await createTestApp({ auth: 'off', databaseUrl: db.url });
    try {
      await open.app.listen({ port: 0, host: '127.0.0.1' });
      const local = new SubscriptionWorker({ ...workerSettings, storage: open.storage, shared: open.services.interactions });
      const sub = await open.app.inject({
        method: 'POST',
        url: '/fhir/Subscription',
        headers: { 'content-type': 'application/fhir+json' },
        payload: { resourceType: 'Subscription', status: 'requested', reason: 'test', criteria: `Observation?patient=Patient/${patientA}`, channel: { type: 'websocket' } },
      });
      expect(sub.statusCode).toBe(201);
      const id = sub.json().id as string;
      const c = await connect(`ws://127.0.0.1:${(open.app.server.address() as AddressInfo).port}/fhir/websocket`);
      clients.push(c);
      expect(await c.ask(`bind ${id}`)).toBe(`bound ${id}`);
      expect((await call(one, tok.a, 'POST', '/fhir/Observation', spo2Observation(patientA, 94))).statusCode).toBe(201);
      await eventually(
        async () => {
          await local.runOnce();
          return c.messages.length >= 2;
        },
        { intervalMs: 50 },
      );
      expect(c.messages).toEqual([`bound ${id}`, `ping ${id}`]);
    } finally {
      await open.close();
    }
  });
});
