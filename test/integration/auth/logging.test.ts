import { Writable } from 'node:stream';
import pino from 'pino';
import { buildApp } from '../../../src/app';
import { loggerOptions } from '../../../src/http/logger';
import { createTestApp, type TestApp } from '../../support/app';
import { assertion, ASSERTION_TYPE, registerVendorApp } from './vendor-app';

/** Client assertions and access tokens never reach the log, whether accepted or refused. */
describe('auth logging', () => {
  let t: TestApp;
  let app: ReturnType<typeof buildApp>;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const logger = pino(loggerOptions('debug') as pino.LoggerOptions, sink);
    app = buildApp({ services: t.services, logger, maxBodyBytes: 1024 * 1024, auth: { mode: 'on', service: t.auth, clock: { now: () => new Date() } } });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  it('logs the client id and token id of a grant, never the assertion or the token', async () => {
    const vendor = await registerVendorApp(t);
    const signed = await assertion(vendor);
    const form = { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: signed, scope: 'system/Patient.rs' };
    const post = () =>
      app.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString() });
    const granted = await post();
    expect(granted.statusCode).toBe(200);
    const token = granted.json().access_token as string;
    expect((await post()).statusCode).toBe(401); // replay: refused, and logged as such
    await app.inject({ method: 'GET', url: '/fhir/Patient/nobody', headers: { authorization: `Bearer ${token}` } });
    await app.inject({ method: 'GET', url: '/fhir/Patient/nobody', headers: { authorization: `Bearer ${token}x` } });

    const text = lines.join('\n');
    expect(text).toContain(vendor.clientId);
    expect(text).toContain('access token issued');
    expect(text).toContain('oauth request refused');
    for (const secret of [signed, token, signed.split('.')[2], token.split('.')[2], token.split('.')[1]]) expect(text).not.toContain(secret);
  });

  it('masks CPR-shaped numbers in the reasons of refused token requests', async () => {
    const post = (payload: string) => app.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
    const before = lines.length;
    for (const patient of ['Patient/0101504321', 'Patient/020260-1234']) {
      const citizen = await registerVendorApp(t, { kind: 'citizen', patient, scopes: ['patient/*.rs'] });
      const form = { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(citizen), scope: 'patient/*.rs' };
      const refused = await post(new URLSearchParams(form).toString());
      expect(refused.json()).toMatchObject({ error: 'invalid_grant', error_description: `${patient} does not exist` });
    }
    // a parameter name is echoed in a reason too
    expect((await post('grant_type=client_credentials&0303551234=a&0303551234=b')).json().error).toBe('invalid_request');

    const text = lines.slice(before).join('\n');
    expect(text.match(/oauth request refused/g)).toHaveLength(3);
    expect(text).toContain('Patient/xxxxxx-xxxx does not exist');
    expect(text).toContain('the parameter xxxxxx-xxxx is given more than once');
    for (const digits of ['0101504321', '020260-1234', '0202601234', '0303551234']) expect(text).not.toContain(digits);
  });
});
