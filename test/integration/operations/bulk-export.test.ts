import { eventually } from '../../support/eventually';
import { nonCprUuid } from '../../support/ids';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../support/app';
import type { FreshDatabase } from '../ops/fresh-database';
import { migratedDatabase } from '../../support/own-database';
import { accessToken, registerVendorApp } from '../auth/vendor-app';
import { JobRunner } from '../../../src/jobs/runner';
import { JobStore } from '../../../src/store/jobs';
import { readExportBatch, storedResourceTypes } from '../../../src/store/export-rows';
import { exportJobKind, type ExportProgress } from '../../../src/interactions/export/export-job';
import { awaitManifest, download, exportParameters, idsOf, kickOff, pathOf, send, testRunner } from './export-support';

const NPU = 'urn:oid:1.2.208.176.2.1';

/**
 * Bulk Data export (https://hl7.org/fhir/uv/bulkdata/export.html) over real HTTP with real
 * tokens: kick-off at system, Patient and Group level, polling, the manifest, NDJSON downloads,
 * `_type` / `_since` / `_typeFilter`, errors, cancel, expiry, two instances and a job resumed
 * after its instance died.
 */
describe('Bulk Data $export', () => {
  let t: TestApp;
  let runner: JobRunner;
  const org = `Organization/exp-${nonCprUuid().slice(0, 8)}`;
  const otherOrg = `Organization/exq-${nonCprUuid().slice(0, 8)}`;
  let token = '';
  let clientId = '';
  let narrowToken = '';
  let patient = '';
  let outsider = '';
  let episode = '';
  let group = '';
  const observations: string[] = [];
  const HELD = 'bulk-export-held-by-test';
  let since = '';
  let laterObservation = '';

  const seed = async (resource: Resource): Promise<string> => (await t.services.store.transaction((tx) => tx.create(resource))).id;
  const obs = (subject: string, code: string): Resource => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: NPU, code }] },
    subject: { reference: `Patient/${subject}` },
    effectiveDateTime: '2026-05-01T08:00:00Z',
    valueQuantity: { value: 95, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  });

  // a database of its own: system-level exports hold every row the client may read, and other
  // test files write rows every staff client may read (no compartment, written with auth off)
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await migratedDatabase('kolibri_bulk');
    t = await createTestApp({ auth: 'on', databaseUrl: db.url });
    runner = testRunner(t);
    runner.start();
    patient = await seed({ resourceType: 'Patient', name: [{ family: 'Export' }] });
    outsider = await seed({ resourceType: 'Patient', name: [{ family: 'Outsider' }] });
    episode = await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patient}` }, managingOrganization: { reference: org } });
    await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${outsider}` }, managingOrganization: { reference: otherOrg } });
    for (const code of ['NPU03011', 'NPU03011', 'NPU21692']) observations.push(await seed(obs(patient, code)));
    await seed(obs(outsider, 'NPU03011'));
    // rows the client may not read right behind its own in id order, so batches mix them
    for (const id of observations) await t.services.store.transaction((tx) => tx.create(obs(outsider, 'NPU03011'), { id: `${id}x` }));
    // a Group of the reachable patient and one of another organization's
    group = await seed({ resourceType: 'Group', type: 'person', actual: true, member: [{ entity: { reference: `Patient/${patient}` } }, { entity: { reference: `Patient/${outsider}` } }] });
    await new Promise((r) => setTimeout(r, 20));
    since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    laterObservation = await seed(obs(patient, 'NPU21692'));
    observations.push(laterObservation);
    const app = await registerVendorApp(t, { organization: org, scopes: ['system/*.rs'] });
    token = await accessToken(t, app, 'system/*.rs');
    clientId = app.clientId;
    const narrow = await registerVendorApp(t, { organization: org, scopes: ['system/Observation.rs'] });
    narrowToken = await accessToken(t, narrow, 'system/Observation.rs');
  });

  afterAll(async () => {
    await runner.stop();
    await t.close();
    await db?.drop();
  });

  /**
   * A job of a kind no runner claims, made from a real kick-off's parameters, so that this test
   * alone plays instance A (test files run in parallel on one database, each with runners).
   */
  const heldJob = async (url: string, maxFileBytes: number): Promise<string> => {
    const done = await kickOff(t, token, url);
    await awaitManifest(t, token, done);
    const { rows } = await t.pool.query('SELECT owner, params FROM job WHERE id = $1', [done.split('/').pop()]);
    const job = await new JobStore(t.pool).enqueue({ id: nonCprUuid(), kind: HELD, owner: rows[0].owner, params: { ...rows[0].params, maxFileBytes }, ttlSeconds: 3600 });
    return job.id;
  };

  it('exports at system level: 202 and Content-Location, X-Progress, then the manifest and NDJSON files of what the client may read', async () => {
    const kick = await send(t, token, 'GET', '/fhir/$export?_type=Patient,Observation,EpisodeOfCare&_outputFormat=application/fhir%2Bndjson', { prefer: 'respond-async' });
    expect(kick.status).toBe(202);
    expect(String(kick.headers['content-location'])).toMatch(/^http:\/\/kolibri\.test\/fhir\/\$export-status\/[0-9a-f-]{36}$/);
    const manifest = await awaitManifest(t, token, pathOf(String(kick.headers['content-location'])));
    expect(manifest.requiresAccessToken).toBe(true);
    expect(manifest.request).toBe('http://kolibri.test/fhir/$export?_type=Patient,Observation,EpisodeOfCare&_outputFormat=application/fhir%2Bndjson');
    expect(Date.parse(manifest.transactionTime)).not.toBeNaN();
    expect(manifest.error).toEqual([]);
    for (const o of manifest.output) expect(o.url).toMatch(/^http:\/\/kolibri\.test\/fhir\/\$export-file\//);
    const files = await download(t, token, manifest);
    expect(idsOf(files, 'Patient')).toEqual([patient]);
    expect(idsOf(files, 'EpisodeOfCare')).toEqual([episode]);
    expect(idsOf(files, 'Observation')).toEqual([...observations].sort());
  });

  it('kicks off by POST with a Parameters body as by GET, at system, Patient and Group level', async () => {
    const post = async (url: string, body: object) => {
      const kick = await send(t, token, 'POST', url, { prefer: 'respond-async' }, body);
      expect([url, kick.status]).toEqual([url, 202]);
      return download(t, token, await awaitManifest(t, token, pathOf(String(kick.headers['content-location']))));
    };
    const system = await post('/fhir/$export', {
      resourceType: 'Parameters',
      parameter: [
        { name: '_type', valueString: 'Patient,Observation' },
        { name: '_outputFormat', valueString: 'application/fhir+ndjson' },
        { name: '_since', valueInstant: '2000-01-01T00:00:00Z' },
      ],
    });
    expect(idsOf(system, 'Patient')).toEqual([patient]);
    expect(idsOf(system, 'Observation')).toEqual([...observations].sort());
    expect(system.EpisodeOfCare).toBeUndefined();
    const patientLevel = await post('/fhir/Patient/$export', exportParameters(['_type', 'EpisodeOfCare']));
    expect(Object.keys(patientLevel)).toEqual(['EpisodeOfCare']);
    expect(idsOf(patientLevel, 'EpisodeOfCare')).toEqual([episode]);
    const groupLevel = await post(`/fhir/Group/${group}/$export`, exportParameters(['_type', 'Observation'], ['_typeFilter', `Observation?code=${NPU}|NPU03011`]));
    expect(idsOf(groupLevel, 'Observation')).toEqual([observations[0], observations[1]].sort());
  });

  it('refuses a POST kick-off with 400 and queues nothing: no Parameters body, a query string beside it, a parameter without one text value, an unsupported parameter', async () => {
    const { rows: before } = await t.pool.query('SELECT count(*)::int AS n FROM job WHERE owner = $1', [clientId]);
    for (const [url, body] of [
      ['/fhir/$export', { resourceType: 'Patient' }],
      ['/fhir/$export?_type=Patient', exportParameters(['_type', 'Observation'])],
      ['/fhir/$export', { resourceType: 'Parameters', parameter: [{ name: '_type' }] }],
      ['/fhir/$export', { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: `Patient/${patient}` } }] }],
      ['/fhir/$export', exportParameters(['_elements', 'id'])],
      ['/fhir/$export', exportParameters(['_type', 'NoSuchType'])],
    ] as const) {
      const res = await send(t, token, 'POST', url, { prefer: 'respond-async' }, body);
      expect([url, JSON.stringify(body), res.status]).toEqual([url, JSON.stringify(body), 400]);
      expect(res.json().resourceType).toBe('OperationOutcome');
    }
    const { rows: after } = await t.pool.query('SELECT count(*)::int AS n FROM job WHERE owner = $1', [clientId]);
    expect(after[0].n).toBe(before[0].n);
  });

  it('the CapabilityStatement lists the export operations with the Bulk Data OperationDefinitions', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/fhir/metadata' });
    const rest = res.json().rest[0];
    const post = expect.stringContaining('or by POST with a Parameters body');
    expect(rest.operation).toContainEqual({ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export', documentation: post });
    const ops = (type: string) => rest.resource.find((r: { type: string }) => r.type === type).operation;
    expect(ops('Patient')).toContainEqual({ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export', documentation: post });
    expect(ops('Group')).toContainEqual({ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export', documentation: post });
  });

  it('the status answers application/json with an Expires header once done', async () => {
    const status = await kickOff(t, token, '/fhir/$export?_type=Patient');
    await awaitManifest(t, token, status);
    const res = await send(t, token, 'GET', status);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Date.parse(String(res.headers.expires))).toBeGreaterThan(Date.now());
  });

  it('without _type exports every type the token may search, and only those', async () => {
    const files = await download(t, narrowToken, await awaitManifest(t, narrowToken, await kickOff(t, narrowToken, '/fhir/$export')));
    expect(Object.keys(files)).toEqual(['Observation']);
    expect(idsOf(files, 'Observation')).toEqual([...observations].sort());
  });

  it('_since keeps only resources changed after the instant', async () => {
    const files = await download(t, token, await awaitManifest(t, token, await kickOff(t, token, `/fhir/$export?_type=Observation,Patient&_since=${encodeURIComponent(since)}`)));
    expect(idsOf(files, 'Observation')).toEqual([laterObservation]);
    expect(files.Patient).toBeUndefined();
  });

  it('_typeFilter narrows a type by a search; several filters for one type are alternatives', async () => {
    const one = await download(t, token, await awaitManifest(t, token, await kickOff(t, token, `/fhir/$export?_type=Observation&_typeFilter=${encodeURIComponent(`Observation?code=${NPU}|NPU21692`)}`)));
    expect(idsOf(one, 'Observation')).toEqual([observations[2], laterObservation].sort());
    const either = await download(
      t,
      token,
      await awaitManifest(t, token, await kickOff(t, token, `/fhir/$export?_type=Observation&_typeFilter=${encodeURIComponent(`Observation?code=${NPU}|NPU21692`)}&_typeFilter=${encodeURIComponent(`Observation?_id=${observations[0]}`)}`)),
    );
    expect(idsOf(either, 'Observation')).toEqual([observations[0], observations[2], laterObservation].sort());
  });

  it('Patient/$export holds the compartments of the reachable patients only', async () => {
    const files = await download(t, token, await awaitManifest(t, token, await kickOff(t, token, '/fhir/Patient/$export')));
    expect(idsOf(files, 'Patient')).toEqual([patient]);
    expect(idsOf(files, 'Observation')).toEqual([...observations].sort());
    expect(idsOf(files, 'EpisodeOfCare')).toEqual([episode]);
  });

  it('Group/[id]/$export holds the members’ compartments the client reaches, not the others', async () => {
    const files = await download(t, token, await awaitManifest(t, token, await kickOff(t, token, `/fhir/Group/${group}/$export?_type=Patient,Observation`)));
    expect(idsOf(files, 'Patient')).toEqual([patient]);
    expect(idsOf(files, 'Observation')).toEqual([...observations].sort());
  });

  it('splits a type into files at the size limit, each listed with its count', async () => {
    // a job started with a 1-byte limit (KOLIBRI_EXPORT_MAX_FILE_MB at kick-off), run by any runner
    const id = await heldJob('/fhir/$export?_type=Observation', 1);
    await t.pool.query('UPDATE job SET kind = $2 WHERE id = $1', [id, 'bulk-export']);
    const manifest = await awaitManifest(t, token, `/fhir/$export-status/${id}`);
    expect(manifest.output).toHaveLength(observations.length);
    expect(manifest.output.map((o) => o.count)).toEqual(observations.map(() => 1));
    expect(idsOf(await download(t, token, manifest), 'Observation')).toEqual([...observations].sort());
  });

  it.each([
    ['no Prefer: respond-async', '/fhir/$export', {}, 400],
    ['an unsupported _outputFormat', '/fhir/$export?_outputFormat=text/csv', { prefer: 'respond-async' }, 400],
    ['an unknown _type', '/fhir/$export?_type=Nonsense', { prefer: 'respond-async' }, 400],
    ['a _since that is no instant', '/fhir/$export?_since=yesterday', { prefer: 'respond-async' }, 400],
    ['a _typeFilter with an unknown parameter', `/fhir/$export?_typeFilter=${encodeURIComponent('Observation?nonsense=1')}`, { prefer: 'respond-async' }, 400],
    ['a _typeFilter for a type outside _type', `/fhir/$export?_type=Patient&_typeFilter=${encodeURIComponent('Observation?code=x')}`, { prefer: 'respond-async' }, 400],
    ['an unsupported parameter', '/fhir/$export?includeAssociatedData=LatestProvenanceResources', { prefer: 'respond-async' }, 400],
    ['a Group that does not exist', `/fhir/Group/${nonCprUuid()}/$export`, { prefer: 'respond-async' }, 404],
  ])('answers %s with an OperationOutcome and queues nothing', async (_what, url, headers, status) => {
    const jobsOf = async () => Number((await t.pool.query('SELECT count(*) AS n FROM job WHERE owner = $1', [clientId])).rows[0].n);
    const before = await jobsOf();
    const res = await send(t, token, 'GET', url, headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await jobsOf()).toBe(before);
  });

  it('refuses with 403 a _type the token may not search', async () => {
    const res = await send(t, narrowToken, 'GET', '/fhir/$export?_type=Patient', { prefer: 'respond-async' });
    expect(res.status).toBe(403);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('DELETE on the status URL cancels: 202, then the status and the files answer 404', async () => {
    const status = await kickOff(t, token, '/fhir/$export?_type=Observation');
    const manifest = await awaitManifest(t, token, status);
    const del = await send(t, token, 'DELETE', status);
    expect(del.status).toBe(202);
    expect((await send(t, token, 'GET', status)).status).toBe(404);
    expect((await send(t, token, 'GET', pathOf(manifest.output[0].url))).status).toBe(404);
    expect((await send(t, token, 'DELETE', status)).status).toBe(404);
    // the runner's sweep removes the cancelled job's row and files
    await runner.sweep();
    expect((await t.pool.query('SELECT 1 FROM job WHERE id = $1', [status.split('/').pop()])).rowCount).toBe(0);
    expect(await t.services.bulkExport.requests.storage.get(`${status.split('/').pop()}/Observation-1.ndjson`)).toBeUndefined();
  });

  it('an expired export answers 404 and the sweep removes its row and files', async () => {
    const status = await kickOff(t, token, '/fhir/$export?_type=Patient');
    const manifest = await awaitManifest(t, token, status);
    const id = status.split('/').pop() as string;
    await t.pool.query(`UPDATE job SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    expect((await send(t, token, 'GET', status)).status).toBe(404);
    expect((await send(t, token, 'GET', pathOf(manifest.output[0].url))).status).toBe(404);
    expect(await t.services.bulkExport.requests.storage.get(`${id}/Patient-1.ndjson`)).toBeDefined();
    expect(await runner.sweep()).toBeGreaterThanOrEqual(1);
    expect((await t.pool.query('SELECT 1 FROM job WHERE id = $1', [id])).rowCount).toBe(0);
    expect(await t.services.bulkExport.requests.storage.get(`${id}/Patient-1.ndjson`)).toBeUndefined();
  });

  it('a second instance runs a job the first started, and either serves status and files', async () => {
    const second = await createTestApp({ auth: 'on', databaseUrl: db.url });
    await runner.stop();
    const secondRunner = testRunner(second);
    try {
      const status = await kickOff(t, token, '/fhir/$export?_type=Observation');
      secondRunner.start();
      const manifest = await awaitManifest(second, token, status);
      const job = await t.pool.query('SELECT state FROM job WHERE id = $1', [status.split('/').pop()]);
      expect(job.rows[0].state).toBe('done');
      expect(idsOf(await download(t, token, manifest), 'Observation')).toEqual([...observations].sort());
      expect(idsOf(await download(second, token, manifest), 'Observation')).toEqual([...observations].sort());
    } finally {
      await secondRunner.stop();
      await second.close();
      runner.start();
    }
  });


  it.each([
    ['one file', 1024 * 1024],
    ['a file per resource', 1],
  ])('reads in batches of 2 with other patients’ rows between the client’s: %s, every row once', async (_what, maxFileBytes) => {
    const id = await heldJob('/fhir/$export?_type=Observation', maxFileBytes);
        const base = exportJobKind({
      registry: t.services.registry,
      accessDeps: t.services.interactions.accessDeps,
      baseUrl: t.services.interactions.baseUrl,
      storage: t.services.bulkExport.requests.storage,
      readBatch: (selection, after, limit) => readExportBatch(t.pool, selection, after, limit),
      storedTypes: () => storedResourceTypes(t.pool),
      batchSize: 2,
    });
    const small = new JobRunner({ store: new JobStore(t.pool), kinds: [{ ...base, kind: HELD }], log: { info: () => undefined, warn: () => undefined, error: () => undefined }, pollMs: 20 });
    small.start();
    try {
      await eventually(async () => (await t.pool.query('SELECT state FROM job WHERE id = $1', [id])).rows[0].state === 'done', { intervalMs: 20 });
    } finally {
      await small.stop();
    }
    await t.pool.query('UPDATE job SET kind = $2 WHERE id = $1', [id, 'bulk-export']);
    const manifest = await awaitManifest(t, token, `/fhir/$export-status/${id}`);
    expect(manifest.output).toHaveLength(maxFileBytes === 1 ? observations.length : 1);
    expect(idsOf(await download(t, token, manifest), 'Observation')).toEqual([...observations].sort());
  });

  it('a job whose instance died resumes from its last checkpoint once the lease expired', async () => {
    const id = await heldJob('/fhir/$export?_type=Patient,Observation', 1);
    const status = `/fhir/$export-status/${id}`;
    const exp = t.services.bulkExport.requests;
    // instance A claims the job, writes files and checkpoints, then dies after its second file
    const jobs = new JobStore(t.pool);
    const claimed = await jobs.claim([HELD], 'instance-a', 60);
    expect(claimed?.id).toBe(id);
    const crash = new Error('instance A died');
    const died = t.services.bulkExport.kind.run(claimed!, {
      progress: null,
      signal: new AbortController().signal,
      checkpoint: async (progress) => {
        await jobs.renew(id, 'instance-a', 60, progress);
        if ((progress as ExportProgress).outputs.length >= 2) throw crash;
      },
    });
    await expect(died).rejects.toBe(crash);
    // from here on it is an export job like any other, still leased by the dead instance
    await t.pool.query('UPDATE job SET kind = $2 WHERE id = $1', [id, 'bulk-export']);
    const stored = await t.pool.query('SELECT state, progress FROM job WHERE id = $1', [id]);
    expect(stored.rows[0].state).toBe('running');
    const checkpoint = stored.rows[0].progress as ExportProgress;
    expect(checkpoint.outputs.map((o) => o.file)).toEqual(['Patient-1.ndjson', 'Observation-1.ndjson']);
    const firstObservation = await readAll(await exp.storage.get(`${id}/Observation-1.ndjson`));
    // still leased: no runner takes it
    await new Promise((r) => setTimeout(r, 300));
    const polled = await send(t, token, 'GET', status);
    expect(polled.status).toBe(202);
    expect(polled.headers['x-progress']).toBe('running: 2 resources written, type 2 of 2');
    expect(polled.headers['retry-after']).toBe('2');
    expect((await t.pool.query('SELECT attempts FROM job WHERE id = $1', [id])).rows[0].attempts).toBe(1);
    // the lease runs out (instance A never renews it)
    await t.pool.query(`UPDATE job SET lease_until = now() - interval '1 second' WHERE id = $1`, [id]);
    const manifest = await awaitManifest(t, token, status);
    expect((await t.pool.query('SELECT attempts FROM job WHERE id = $1', [id])).rows[0].attempts).toBe(2);
    expect(manifest.output.map((o) => o.url.split('/').pop())).toEqual(['Patient-1.ndjson', ...observations.map((_o, i) => `Observation-${i + 1}.ndjson`)]);
    const files = await download(t, token, manifest);
    // every Observation once: nothing repeated from before the crash, nothing skipped
    expect(idsOf(files, 'Observation')).toEqual([...observations].sort());
    expect(await readAll(await exp.storage.get(`${id}/Observation-1.ndjson`))).toBe(firstObservation);
  });

  it('a job given back on a clean stop is queued again at once, with its progress', async () => {
    const id = await heldJob('/fhir/$export?_type=Observation', 1);
    const jobs = new JobStore(t.pool);
    const claimed = await jobs.claim([HELD], 'instance-x', 60);
    expect(claimed?.id).toBe(id);
    await jobs.renew(id, 'instance-x', 60, { marker: 1 });
    await jobs.release(id, 'instance-x');
    const row = await t.pool.query('SELECT state, lease_until, progress FROM job WHERE id = $1', [id]);
    expect(row.rows[0]).toEqual({ state: 'queued', lease_until: null, progress: { marker: 1 } });
  });

  it('a runner stopping mid-job gives it back, and a runner resumes it', async () => {
    const id = await heldJob('/fhir/$export?_type=Observation', 1);
    const slow = { ...t.services.bulkExport.kind, kind: HELD };
    const jobs = new JobStore(t.pool);
    let checkpoints = 0;
    let stopping: Promise<void> | undefined;
    const held: JobRunner = new JobRunner({
      store: jobs,
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      pollMs: 20,
      kinds: [
        {
          ...slow,
          run: (job, ctx) =>
            slow.run(job, {
              ...ctx,
              checkpoint: async (p) => {
                await ctx.checkpoint(p);
                if (++checkpoints === 1) stopping = held.stop();
              },
            }),
        },
      ],
    });
    held.start();
    await eventually(async () => stopping !== undefined, { intervalMs: 20 });
    await stopping;
    const row = await t.pool.query('SELECT state, lease_until, progress FROM job WHERE id = $1', [id]);
    expect(row.rows[0].state).toBe('queued');
    expect(row.rows[0].lease_until).toBeNull();
    expect((row.rows[0].progress as ExportProgress).outputs).toHaveLength(1);
    await t.pool.query('UPDATE job SET kind = $2 WHERE id = $1', [id, 'bulk-export']);
    const manifest = await awaitManifest(t, token, `/fhir/$export-status/${id}`);
    expect(idsOf(await download(t, token, manifest), 'Observation')).toEqual([...observations].sort());
  });
});

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) throw new Error('no such file');
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}
