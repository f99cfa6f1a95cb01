import { Writable } from 'node:stream';
import pino from 'pino';
import { buildApp } from '../../../src/app';
import { loggerOptions } from '../../../src/http/logger';
import { systemClock } from '../../../src/clock';
import { createTestApp, type TestApp } from '../../support/app';

/**
 * Logs never carry PHI: no resource bodies, no CPR numbers (in bodies or query strings), no
 * bearer tokens; every line of a request carries its request id.
 */
describe('request logging', () => {
  let t: TestApp;
  let lines: Array<Record<string, unknown>>;
  let app: ReturnType<typeof buildApp>;
  beforeAll(async () => {
    t = await createTestApp();
    lines = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const logger = pino(loggerOptions('debug') as pino.LoggerOptions, sink);
    app = buildApp({ services: t.services, logger, maxBodyBytes: 1024 * 1024, auth: { mode: 'off', service: t.auth, clock: systemClock } });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  it('logs method, path, status and request id, and no body, CPR number, query string or token', async () => {
    const cpr = '0101504321';
    const created = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { 'content-type': 'application/fhir+json', authorization: 'Bearer secret-token-value', 'x-request-id': 'req-phi-1' },
      payload: { resourceType: 'Patient', identifier: [{ system: 'urn:oid:1.2.208.176.1.2', value: cpr }], name: [{ family: 'Nørgaard' }] },
    });
    expect(created.statusCode).toBe(201);
    await app.inject({ method: 'GET', url: `/fhir/Patient?identifier=urn:oid:1.2.208.176.1.2|${cpr}`, headers: { 'x-request-id': 'req-phi-2' } });
    await app.inject({ method: 'POST', url: '/fhir/Patient', headers: { 'content-type': 'application/fhir+json', 'x-request-id': 'req-phi-3' }, payload: { resourceType: 'Patient', gender: 5, name: [{ family: cpr }] } });

    const text = JSON.stringify(lines);
    expect(text).not.toContain(cpr);
    expect(text).not.toContain('Nørgaard');
    expect(text).not.toContain('secret-token-value');
    const mine = lines.filter((l) => ['req-phi-1', 'req-phi-2', 'req-phi-3'].includes(l.reqId as string));
    expect(mine.length).toBeGreaterThanOrEqual(6);
    const completed = mine.filter((l) => l.msg === 'request completed');
    expect(completed.map((l) => (l.res as { statusCode: number }).statusCode)).toEqual([201, 200, 422]);
    const incoming = mine.filter((l) => l.msg === 'incoming request');
    expect(incoming.map((l) => (l.req as { path: string }).path)).toEqual(['/fhir/Patient', '/fhir/Patient', '/fhir/Patient']);
  });

  it('logs paths decoded, with CPR numbers masked however they are encoded', async () => {
    const id = '3112994321'; // a Patient stored under a CPR number before such ids were refused
    await t.services.store.transaction((tx) => tx.create({ resourceType: 'Patient' }, { id }));
    const urls = [
      `/fhir/Patient/${id}`,
      `/fhir/Patient/%33%31${id.slice(2)}`,
      `/fhir/Patient/${id.slice(0, 6)}%2D${id.slice(6)}/_history`,
      `/fhir/Patient/%25${(0x33).toString(16)}${id.slice(1)}`,
      `/fhir/Patient?identifier=urn%3Aoid%3A1.2.208.176.1.2%7C${id}`,
    ];
    const statuses = [];
    for (const [i, url] of urls.entries()) statuses.push((await app.inject({ method: 'GET', url, headers: { 'x-request-id': `req-phi-url-${i}` } })).statusCode);
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    const put = await app.inject({
      method: 'PUT',
      url: `/fhir/Patient/${id.slice(0, 6)}%2D5678`,
      headers: { 'content-type': 'application/fhir+json', 'x-request-id': 'req-phi-url-put' },
      payload: { resourceType: 'Patient', id: `${id.slice(0, 6)}-5678` },
    });
    expect(put.statusCode).toBe(400);

    const mine = lines.filter((l) => String(l.reqId).startsWith('req-phi-url-'));
    // numbers of the logger's own (time, pid, responseTime) could hold any four digits
    const text = JSON.stringify(mine.map(({ time: _t, pid: _p, responseTime: _r, ...line }) => line));
    for (const leak of [id, id.slice(6), '5678', '%33%31', '%2D', '%25']) expect(text).not.toContain(leak);
    const paths = mine.filter((l) => l.msg === 'incoming request').map((l) => (l.req as { path: string }).path);
    expect(paths).toEqual([
      '/fhir/Patient/xxxxxx-xxxx',
      '/fhir/Patient/xxxxxx-xxxx',
      '/fhir/Patient/xxxxxx-xxxx/_history',
      '/fhir/Patient/xxxxxx-xxxx',
      '/fhir/Patient',
      '/fhir/Patient/xxxxxx-xxxx',
    ]);
  });
});
