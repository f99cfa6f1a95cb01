import { nonCprUuid } from '../../support/ids';
import type { JobRunner } from '../../../src/jobs/runner';
import { awaitManifest, exportParameters, kickOff, pathOf, send, testRunner, type Manifest } from '../operations/export-support';
import { buildFixture, call, COMPARTMENT_KEYS, differs, leaks, outsiders, report, runProbes, type Fixture, type Probe, missingId } from './tenants';

/**
 * Cross-tenant probes, Bulk Data export: every outsider of municipality A exports at system,
 * Patient and Group level, and no file holds anything of A's; A's own system export holds A's
 * record (positive control). A's export job is A's alone: status, files and DELETE answer
 * another client exactly as for a job that does not exist, and A's job survives their attempts.
 */
describe('cross-tenant probes: Bulk Data export', () => {
  let f: Fixture;
  let runner: JobRunner;
  let statusOfA = '';
  let manifestOfA: Manifest;
  let groupOfA = '';

  /** The text of every file of an export by `token` of `url` (all in one string, for leak search). */
  const exportText = async (token: string, url: string): Promise<string> => {
    const manifest = await awaitManifest(f.t, token, await kickOff(f.t, token, url));
    const bodies = await Promise.all(manifest.output.map(async (o) => (await send(f.t, token, 'GET', pathOf(o.url))).body));
    return bodies.join('\n');
  };

  // a database of its own: an outsider's system-level export holds every row it may read, and
  // other test files write such rows all along (no compartment, written with auth off); late in
  // a run, exports of thousands of them, one at a time on the runner, outlasted awaitManifest
  beforeAll(async () => {
    f = await buildFixture({ ownDatabase: 'kolibri_probes_export' });
    runner = testRunner(f.t);
    runner.start();
    const group = await call(f.t, f.a.tokens.system, 'POST', '/fhir/Group', {
      resourceType: 'Group',
      type: 'person',
      actual: true,
      member: [{ entity: { reference: `Patient/${f.a.ids.patient}` } }],
    });
    expect(group.status).toBe(201);
    groupOfA = group.json().id;
    statusOfA = await kickOff(f.t, f.a.tokens.system, '/fhir/$export');
    manifestOfA = await awaitManifest(f.t, f.a.tokens.system, statusOfA);
  }, 120_000);

  afterAll(async () => {
    await runner.stop();
    await f.t.close();
  });

  it('fixture seeded through the API', () => {
    expect(f.seedProblems).toEqual([]);
  });

  it("A's own system export holds A's patient record (positive control)", async () => {
    const text = await Promise.all(manifestOfA.output.map(async (o) => (await send(f.t, f.a.tokens.system, 'GET', pathOf(o.url))).body));
    const all = text.join('\n');
    for (const key of COMPARTMENT_KEYS) expect({ key, found: all.includes(f.a.ids[key]) }).toEqual({ key, found: true });
  });

  it("no outsider's export at system or Patient level holds anything of A's", async () => {
    const kickOffs: Array<[string, object?]> = [
      ['/fhir/$export'],
      ['/fhir/Patient/$export'],
      ['/fhir/$export?_type=Observation,Patient,Task'],
      ['/fhir/$export', exportParameters()],
      ['/fhir/Patient/$export', exportParameters(['_type', 'Observation,Patient,Task'])],
    ];
    const probes: Probe[] = outsiders(f).flatMap((p) =>
      kickOffs.map(([url, body]) => ({
        name: `${p.name} ${body ? 'POST' : 'GET'} ${url}`,
        run: async () => {
          const kick = await send(f.t, p.token, body ? 'POST' : 'GET', url, { prefer: 'respond-async' }, body);
          // refused outright (scopes) is fine; an export that runs must hold nothing of A's
          if (kick.status === 403) return undefined;
          if (kick.status !== 202) return `kick-off answered ${kick.status}: ${kick.body.slice(0, 200)}`;
          const manifest = await awaitManifest(f.t, p.token, pathOf(String(kick.headers['content-location'])));
          const bodies = await Promise.all(manifest.output.map(async (o) => (await send(f.t, p.token, 'GET', pathOf(o.url))).body));
          const leaked = leaks(f, bodies.join('\n'));
          return leaked.length ? `export holds ${leaked.join(', ')}` : undefined;
        },
      })),
    );
    report('export content', probes.length, await runProbes(probes, 4));
  });

  it("A's Group answers an outsider's Group export as a Group that does not exist", async () => {
    const missing = missingId();
    const probes: Probe[] = outsiders(f).map((p) => ({
      name: `${p.name} Group/$export`,
      run: async () => {
        for (const [method, body] of [['GET', undefined], ['POST', exportParameters()]] as const) {
          const hidden = await call(f.t, p.token, method, `/fhir/Group/${groupOfA}/$export`, body, { prefer: 'respond-async' });
          const none = await call(f.t, p.token, method, `/fhir/Group/${missing}/$export`, body, { prefer: 'respond-async' });
          const difference = differs(f, hidden, none, groupOfA, missing);
          if (difference) return `${method}: ${difference}`;
        }
        return undefined;
      },
    }));
    report('Group export', probes.length, await runProbes(probes));
  });

  it("another client's poll, download and DELETE of A's job answer as for a job that does not exist", async () => {
    const jobOfA = statusOfA.split('/').pop() as string;
    const missing = missingId();
    const fileOfA = pathOf(manifestOfA.output[0].url);
    const fileName = fileOfA.split('/').pop() as string;
    const probers = [...outsiders(f), { name: 'A.clinician', token: f.a.tokens.clinician, writes: true }, { name: 'A.narrow', token: f.a.tokens.narrow, writes: false }];
    const probes: Probe[] = probers.flatMap((p) =>
      (
        [
          ['GET', statusOfA, `/fhir/$export-status/${missing}`],
          ['GET', fileOfA, `/fhir/$export-file/${missing}/${fileName}`],
          ['DELETE', statusOfA, `/fhir/$export-status/${missing}`],
        ] as const
      ).map(([method, hiddenUrl, missingUrl]) => ({
        name: `${p.name} ${method} ${hiddenUrl}`,
        run: async () => {
          const hidden = await call(f.t, p.token, method, hiddenUrl);
          const none = await call(f.t, p.token, method, missingUrl);
          if (hidden.status !== 404) return `answered ${hidden.status}: ${hidden.body.slice(0, 200)}`;
          return differs(f, hidden, none, jobOfA, missing);
        },
      })),
    );
    report('export job', probes.length, await runProbes(probes));
    // A's job is untouched: still done, its files still A's to download
    expect((await send(f.t, f.a.tokens.system, 'GET', statusOfA)).status).toBe(200);
    expect((await send(f.t, f.a.tokens.system, 'GET', fileOfA)).status).toBe(200);
  });

  it("B's system client exports B's record and nothing of A's (the probes above are not empty)", async () => {
    const text = await exportText(f.b.tokens.system, '/fhir/$export');
    for (const key of COMPARTMENT_KEYS) expect({ key, found: text.includes(f.b.ids[key]) }).toEqual({ key, found: true });
    expect(leaks(f, text)).toEqual([]);
  });

  it("B's citizen exports its own compartment and nothing of A's", async () => {
    const text = await exportText(f.b.tokens.citizen, '/fhir/Patient/$export');
    expect(text).toContain(f.b.ids.patient);
    expect(leaks(f, text)).toEqual([]);
  });
});
