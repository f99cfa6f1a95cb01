import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { DEVELOPMENT_CONTEXT, type AuthContext } from '../../../src/auth/context';
import { WebsocketHub } from '../../../src/subscriptions/websocket-hub';
import { eventually } from '../../support/eventually';

/**
 * The websocket hub's own rules over real sockets, with its token check and bind rule given as
 * plain functions: a token that stops being valid ends the binding at the next ping, and a
 * connection that binds nothing is closed.
 */
/**
 * Long enough that a connection binding at once does so in time even when the machine stalls
 * for a moment (the idle test waits this long).
 */
const BIND_TIMEOUT_MS = 3000;

describe('websocket hub', () => {
  let server: WebSocketServer;
  let url = '';
  const valid = new Set(['t-1', 't-2']);
  const hub = new WebsocketHub({
    authenticate: async (token) => {
      if (!token || !valid.has(token)) throw new Error('invalid token');
      return { ...DEVELOPMENT_CONTEXT, clientId: token } as AuthContext;
    },
    bindRefusal: async (_auth, id) => (id.startsWith('sub-') ? undefined : `Subscription/${id} is not known`),
    onError: (err) => {
      throw err;
    },
    bindTimeoutMs: BIND_TIMEOUT_MS,
  });

  beforeAll(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    server.on('connection', (ws, req) => hub.accept(ws, /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]));
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    hub.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const open = async (token?: string) => {
    const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const messages: string[] = [];
    ws.on('message', (m) => messages.push(String(m)));
    // listened for from the start: the server may close it before the test looks
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise((resolve) => ws.once('open', resolve));
    return { ws, messages, closed };
  };
  /** Wait for messages over real sockets: up to 20 s, as a loaded machine may hold them back for seconds. */
  const until = (check: () => boolean) => eventually(async () => check(), { timeoutMs: 20_000, intervalMs: 20 });

  it('pings only while the bound token is valid, then says so once and stops', async () => {
    const a = await open('t-1');
    const b = await open();
    a.ws.send('bind sub-1');
    b.ws.send('bind sub-1 t-2');
    await until(() => a.messages.length === 1 && b.messages.length === 1);
    expect([a.messages, b.messages]).toEqual([['bound sub-1'], ['bound sub-1']]);
    await hub.ping('sub-1');
    await until(() => a.messages.length === 2 && b.messages.length === 2);
    valid.delete('t-2');
    await hub.ping('sub-1');
    await hub.ping('sub-1');
    await until(() => a.messages.length === 4 && b.messages.length === 3);
    expect(a.messages).toEqual(['bound sub-1', 'ping sub-1', 'ping sub-1', 'ping sub-1']);
    expect(b.messages).toEqual(['bound sub-1', 'ping sub-1', 'error sub-1 the access token is no longer valid: bind again with a new one']);
    a.ws.close();
    b.ws.close();
  });

  it('closes a connection that binds nothing, and keeps one that bound', async () => {
    const idle = await open('t-1');
    const refused = await open('t-1');
    const bound = await open('t-1');
    const boundOpenedAt = Date.now();
    refused.ws.send('bind other-1');
    bound.ws.send('bind sub-2');
    expect(await idle.closed).toBe(1008);
    expect(await refused.closed).toBe(1008);
    expect(refused.messages).toEqual(['error other-1 Subscription/other-1 is not known']);
    await until(() => bound.messages.length > 0);
    expect(bound.messages).toEqual(['bound sub-2']);
    // past the time its own idle timer ran out
    await new Promise((r) => setTimeout(r, Math.max(0, boundOpenedAt + BIND_TIMEOUT_MS + 200 - Date.now())));
    expect(bound.ws.readyState).toBe(WebSocket.OPEN);
    bound.ws.close();
  });
});
