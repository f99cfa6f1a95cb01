import { eventually } from '../../support/eventually';
import { systemClock } from '../../../src/clock';
import { reportJobKind } from '../../../src/fut/reporting/report-job';
import type { JobRunner } from '../../../src/jobs/runner';
import { testRunner } from '../operations/export-support';
import { unzip } from '../fut/report-support';
import { buildFixture, call, differs, leaks, outsiders, report, runProbes, type Fixture, type Probe, type Prober } from './tenants';

const REPORTS = [
  'measurement-stats',
  'patient-total',
  'patient-usage-stats',
  'careplan-and-episode-of-care-stats',
  'careplans-by-patient',
  'careteam-stats',
  'patient-gdpr',
  'practitioner-gdpr',
  'practitioner-stats',
  'patient-devices',
  'careplan-duration-stats',
];
const params = (...parameter: object[]) => ({ resourceType: 'Parameters', parameter });
const NONE = { name: 'anonymization', valueString: 'NONE' };
const ANONYMIZED = { name: 'anonymization', valueString: 'ANONYMIZED' };

/**
 * Cross-tenant probes, FUT reports: every outsider of municipality A (and A's clinician of
 * another care team) asks every report, and no answer holds anything of A's; A's scheduled
 * reports are A's alone: another client's $fetch answers exactly as for a report never
 * scheduled, its job status lists none of A's, and A's jobs are unchanged afterwards.
 */
describe('cross-tenant probes: FUT reports', () => {
  let f: Fixture;
  let runner: JobRunner;
  let probers: Prober[];
  const scheduledByA = params(NONE, { name: 'period', valuePeriod: { start: '2026-01-01' } });
  const neverScheduled = params(NONE, { name: 'period', valuePeriod: { start: '2025-01-01' } });
  let jobsOfA = '';

  /** The patient- and practitioner-GDPR reports are asked about A's patient and practitioner. */
  const subjectOf = (r: string) =>
    r === 'patient-gdpr'
      ? [{ name: 'patient', valueReference: { reference: `Patient/${f.a.ids.patient}` } }]
      : r === 'practitioner-gdpr'
        ? [{ name: 'practitioner', valueReference: { reference: `Practitioner/${f.a.ids.practitioner}` } }]
        : [];
  const post = (token: string, op: string, body: unknown) => call(f.t, token, 'POST', `/fhir/$${op}`, body);
  const jobStatus = async (token: string) => (await call(f.t, token, 'GET', '/fhir/$get-report-job-status')).body;

  beforeAll(async () => {
    f = await buildFixture();
    runner = testRunner(f.t, reportJobKind({ storage: f.t.storage, store: f.t.services.store, accessDeps: f.t.services.interactions.accessDeps, clock: systemClock }));
    runner.start();
    for (const r of ['measurement-stats', 'patient-total', 'patient-usage-stats']) {
      expect((await post(f.a.tokens.system, `schedule-${r}`, r === 'patient-usage-stats' ? params(NONE) : scheduledByA)).status).toBe(200);
    }
    jobsOfA = await jobStatus(f.a.tokens.system);
    // up to 30 s: the jobs run beside other test files on a loaded machine
    await eventually(async () => {
      jobsOfA = await jobStatus(f.a.tokens.system);
      return !jobsOfA.includes('"QUEUED"') && !jobsOfA.includes('"RUNNING"');
    }, { intervalMs: 100 });
    probers = [...outsiders(f), { name: 'A.otherTeamClinician', token: f.a.otherTeam.token, writes: true }];
  }, 120_000);

  afterAll(async () => {
    await runner.stop();
    await f.t.close();
  });

  it("A's own reports hold A's episode (positive control)", async () => {
    expect(JSON.parse(jobsOfA).entry).toHaveLength(3);
    expect(jobsOfA).not.toMatch(/QUEUED|RUNNING|FAILED/);
    const res = await post(f.a.tokens.system, 'fetch-measurement-stats', scheduledByA);
    expect(Object.keys(unzip(Buffer.from(res.json().data, 'base64')))).toContain(`EHealthEpisodeOfCare/${f.a.ids.episode}`);
  });

  it("no outsider's report holds anything of A's; refusals are 403", async () => {
    const probes: Probe[] = probers.flatMap((p) =>
      REPORTS.flatMap((r) =>
        [NONE, ANONYMIZED].map((anonymization) => ({
          name: `${p.name} $execute-${r} ${anonymization.valueString}`,
          run: async () => {
            const res = await post(p.token, `execute-${r}`, params(anonymization, ...subjectOf(r)));
            if (res.status === 403) return undefined;
            if (res.status !== 200) return `answered ${res.status} ${res.body.slice(0, 200)}`;
            // the ReportHeader echoes the parameters the caller sent (A's patient id for the GDPR report): the rest must hold nothing of A's
            const files = Object.entries(unzip(Buffer.from(res.json().data, 'base64'))).filter(([name]) => name !== 'ReportHeader');
            const found = leaks(f, files.map(([, text]) => text).join('\n'));
            return found.length ? `leaks ${found.join(', ')}` : undefined;
          },
        })),
      ),
    );
    report('report content', probes.length, await runProbes(probes));
  });

  it("A's scheduled reports answer another client's $fetch as reports never scheduled, and are not listed to it", async () => {
    const probes: Probe[] = probers.flatMap((p) => [
      ...['measurement-stats', 'patient-total'].map((r) => ({
        name: `${p.name} $fetch-${r}`,
        run: async () => differs(f, await post(p.token, `fetch-${r}`, scheduledByA), await post(p.token, `fetch-${r}`, neverScheduled), 'no-target', 'no-target'),
      })),
      {
        name: `${p.name} $fetch-patient-usage-stats`,
        run: async () => {
          const res = await post(p.token, 'fetch-patient-usage-stats', params(NONE));
          return res.status === 404 || res.status === 403 ? undefined : `answered ${res.status}`;
        },
      },
      {
        name: `${p.name} $get-report-job-status`,
        run: async () => {
          const body = await jobStatus(p.token);
          const ids = (JSON.parse(jobsOfA).entry as Array<{ resource: { id: string } }>).map((e) => e.resource.id);
          const seen = ids.filter((id) => body.includes(id));
          return seen.length ? `lists A's jobs ${seen.join(', ')}` : undefined;
        },
      },
    ]);
    report('report job', probes.length, await runProbes(probes));
    // and nothing of A's changed
    expect(await jobStatus(f.a.tokens.system)).toBe(jobsOfA);
  });
});
