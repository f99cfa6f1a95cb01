import Fastify, { type FastifyInstance } from 'fastify';
import { interactionOf, registerMetrics } from '../../src/http/metrics';
import { KolibriMetrics } from '../../src/metrics/registry';

const TOKEN = 'metrics-token-0123456789abcdef0123456789';

describe('metrics', () => {
  let app: FastifyInstance;
  let metrics: KolibriMetrics;

  beforeEach(async () => {
    metrics = new KolibriMetrics({ defaultMetrics: false });
    metrics.observePool({ totalCount: 5, idleCount: 3, waitingCount: 1 });
    app = Fastify();
    registerMetrics(app, { metrics, token: TOKEN, isResourceType: (t) => t === 'Observation' });
    app.get('/fhir/:type/:id', async (_req, reply) => reply.code(200).send('{}'));
    await app.ready();
  });
  afterEach(() => app.close());

  it('names interactions from the route pattern, never from ids or query strings', () => {
    expect(interactionOf('GET', '/fhir/:type/:id')).toBe('read');
    expect(interactionOf('POST', '/fhir/:type')).toBe('create');
    expect(interactionOf('GET', '/fhir/:type/:id/_history/:vid')).toBe('vread');
    expect(interactionOf('POST', '/fhir')).toBe('batch-transaction');
    expect(interactionOf('GET', undefined)).toBe('not-found');
  });

  it('counts requests by interaction, known type and status with a latency histogram', async () => {
    await app.inject({ url: '/fhir/Observation/abc-123?subject=Patient/secret' });
    await app.inject({ url: '/fhir/Nonsense/xyz' });
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/kolibri_http_request_duration_seconds_count\{interaction="read",type="Observation",status="200"\} 1/);
    expect(res.body).toMatch(/kolibri_http_request_duration_seconds_bucket\{le="0\.005",interaction="read",type="Observation",status="200"\}/);
    expect(res.body).toMatch(/interaction="read",type="other",status="200"/);
    expect(res.body).not.toMatch(/abc-123|secret|Nonsense/);
    expect(res.body).toMatch(/kolibri_db_pool_connections 5/);
    expect(res.body).toMatch(/kolibri_db_pool_idle_connections 3/);
    expect(res.body).toMatch(/kolibri_db_pool_waiting_requests 1/);
  });

  it('exports counters other modules increment', async () => {
    metrics.triageOutcomes.inc({ outcome: 'red' });
    metrics.schedulerRuns.inc({ job: 'missing-measurements', result: 'ok' });
    const body = (await app.inject({ url: '/metrics' })).body;
    expect(body).toMatch(/kolibri_triage_outcomes_total\{outcome="red"\} 1/);
    expect(body).toMatch(/kolibri_scheduler_runs_total\{job="missing-measurements",result="ok"\} 1/);
  });

  it('needs the metrics token from anywhere but loopback', async () => {
    const remote = { remoteAddress: '10.0.0.7' };
    expect((await app.inject({ url: '/metrics', ...remote })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', ...remote, headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', ...remote, headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
  });

  it('does not exist for remote callers when no token is configured', async () => {
    const open = Fastify();
    registerMetrics(open, { metrics: new KolibriMetrics({ defaultMetrics: false }), isResourceType: () => true });
    expect((await open.inject({ url: '/metrics', remoteAddress: '10.0.0.7' })).statusCode).toBe(404);
    expect((await open.inject({ url: '/metrics' })).statusCode).toBe(200);
    await open.close();
  });
});
