import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postRestHook } from '../../../src/subscriptions/rest-hook';

/** A real HTTP listener: what each request carried, answered by `respond`. */
describe('rest-hook POST', () => {
  let server: Server;
  let base = '';
  const received: Array<{ url: string; headers: IncomingMessage['headers']; body: string }> = [];
  let respond: (res: ServerResponse) => void = (res) => res.end();
  // the listener runs in this process: a worker stalled for half a second on a loaded machine
  // must not turn an answer into a timeout, so only the timeout case has a short one
  const limits = { timeoutMs: 10_000, maxResponseBytes: 1024 };
  const shortTimeout = { ...limits, timeoutMs: 500 };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body });
        respond(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    respond = (res) => res.end();
  });

  it('posts the resource in the payload mime type with the registered headers', async () => {
    const body = JSON.stringify({ resourceType: 'Observation', id: 'o1' });
    const out = await postRestHook({ endpoint: `${base}/hook`, payload: { mimeType: 'application/fhir+json', body }, headers: ['Authorization: Bearer abc', 'X-Tenant: a'] }, limits);
    expect(out).toEqual({ ok: true });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ url: '/hook', body });
    expect(received[0].headers).toMatchObject({ authorization: 'Bearer abc', 'x-tenant': 'a', 'content-type': 'application/fhir+json' });
  });

  it('posts an empty body when no payload is asked for', async () => {
    expect(await postRestHook({ endpoint: `${base}/empty`, headers: [] }, limits)).toEqual({ ok: true });
    expect(received[0].body).toBe('');
  });

  it('fails on an error status, a redirect (not followed), a timeout and an oversize answer', async () => {
    respond = (res) => res.writeHead(500).end();
    expect(await postRestHook({ endpoint: `${base}/e`, headers: [] }, limits)).toEqual({ ok: false, error: 'the endpoint answered HTTP 500' });
    respond = (res) => res.writeHead(307, { location: `${base}/elsewhere` }).end();
    expect(await postRestHook({ endpoint: `${base}/r`, headers: [] }, limits)).toMatchObject({ ok: false, error: expect.stringContaining('307') });
    expect(received.map((r) => r.url)).toEqual(['/e', '/r']);
    respond = () => undefined; // never answers
    expect(await postRestHook({ endpoint: `${base}/slow`, headers: [] }, shortTimeout)).toMatchObject({ ok: false, error: expect.stringContaining('within 500 ms') });
    respond = (res) => res.end('x'.repeat(5000));
    expect(await postRestHook({ endpoint: `${base}/big`, headers: [] }, limits)).toMatchObject({ ok: false, error: expect.stringContaining('larger than 1024') });
  });

  it('fails when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await postRestHook({ endpoint: `http://127.0.0.1:${port}/`, headers: [] }, limits)).toMatchObject({ ok: false });
  });
});
