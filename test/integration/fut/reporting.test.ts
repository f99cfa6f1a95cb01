import { systemClock } from '../../../src/clock';
import { futReportingModule } from '../../../src/fut/reporting/module';
import { reportJobKind } from '../../../src/fut/reporting/report-job';
import type { JobRunner } from '../../../src/jobs/runner';
import { testRunner } from '../operations/export-support';
import { buildFixture, call, leaks, type Answer, type Fixture } from '../access/tenants';
import { unzip } from './report-support';

const params = (...parameter: object[]) => ({ resourceType: 'Parameters', parameter });
const NONE = { name: 'anonymization', valueString: 'NONE' };
const ANONYMIZED = { name: 'anonymization', valueString: 'ANONYMIZED' };

/** The report files of a Binary answer. */
function filesOf(res: Answer): Record<string, string> {
  expect(res.status).toBe(200);
  const binary = res.json();
  expect(binary).toMatchObject({ resourceType: 'Binary', contentType: 'application/zip' });
  return unzip(Buffer.from(binary.data, 'base64'));
}

describe("FUT's reporting operations", () => {
  let f: Fixture;
  let runner: JobRunner;

  beforeAll(async () => {
    f = await buildFixture();
    runner = testRunner(f.t, reportJobKind({ storage: f.t.storage, store: f.t.services.store, accessDeps: f.t.services.interactions.accessDeps, clock: systemClock }));
    runner.start();
  });

  afterAll(async () => {
    await runner.stop();
    await f.t.close();
  });

  const post = (token: string, op: string, body: unknown) => call(f.t, token, 'POST', `/fhir/$${op}`, body);

  /** Poll $fetch until the report is no longer the placeholder (30 s: the job runs beside other test files on a loaded machine). */
  async function fetchDone(token: string, report: string, body: unknown): Promise<Answer> {
    const until = Date.now() + 30_000;
    for (;;) {
      const res = await post(token, `fetch-${report}`, body);
      if (res.status !== 200 || res.json().contentType !== 'text/plain') return res;
      if (Date.now() > until) throw new Error('report not done in 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('$execute-measurement-stats: A’s system client gets its episode with its measurement counts', async () => {
    const files = filesOf(await post(f.a.tokens.system, 'execute-measurement-stats', params(NONE)));
    expect(Object.keys(files).sort()).toEqual(['EHealthEpisodeOfCare/' + f.a.ids.episode, 'ReportHeader']);
    const group = JSON.parse(files[`EHealthEpisodeOfCare/${f.a.ids.episode}`]);
    expect(group.EHealthEpisodeOfCare.id).toBe(f.a.ids.episode);
    // two Observations basedOn the episode's ServiceRequest; the QuestionnaireResponse is basedOn none
    expect(group.EpisodeOfCareMeasurementSummary).toEqual({ observationCount: 2, mediaCount: 0, questionnaireResponseCount: 0 });
    expect(JSON.parse(files.ReportHeader)).toMatchObject({ report: 'measurement-stats', anonymized: false, groups: 1 });
  });

  it('period and organization filters change the figures', async () => {
    const before = filesOf(await post(f.a.tokens.system, 'execute-measurement-stats', params(NONE, { name: 'period', valuePeriod: { start: '2026-01-01', end: '2026-04-30' } })));
    expect(JSON.parse(before[`EHealthEpisodeOfCare/${f.a.ids.episode}`]).EpisodeOfCareMeasurementSummary.observationCount).toBe(0);
    const otherOrg = filesOf(await post(f.a.tokens.system, 'execute-measurement-stats', params(NONE, { name: 'organization', valueReference: { reference: `https://x.example/fhir/Organization/${f.b.org}` } })));
    expect(Object.keys(otherOrg)).toEqual(['ReportHeader']);
  });

  it('anonymized: no ids, no patient reference, groups numbered', async () => {
    const files = filesOf(await post(f.a.tokens.system, 'execute-measurement-stats', params(ANONYMIZED)));
    const text = Object.values(files).join('\n');
    expect(Object.keys(files).sort()).toEqual(['EHealthEpisodeOfCare/1', 'ReportHeader']);
    expect(text).not.toContain(f.a.ids.episode);
    expect(text).not.toContain(f.a.ids.patient);
  });

  it('$execute-patient-total: the patient, episode, request and measurements of each episode', async () => {
    const files = filesOf(await post(f.a.tokens.system, 'execute-patient-total', params(NONE, { name: 'status', valueString: 'active' })));
    const group = JSON.parse(files[`EHealthEpisodeOfCare/${f.a.ids.episode}`]);
    expect(group.Patient.id).toBe(f.a.ids.patient);
    expect(group.EHealthServiceRequest.map((s: { id: string }) => s.id)).toEqual([f.a.ids.serviceRequest]);
    expect(group.EHealthObservation.map((o: { id: string }) => o.id).sort()).toEqual([f.a.ids.observation, f.a.ids.observationByCitizen].sort());
    const finished = filesOf(await post(f.a.tokens.system, 'execute-patient-total', params(NONE, { name: 'status', valueString: 'finished' })));
    expect(Object.keys(finished)).toEqual(['ReportHeader']);
  });

  it('$execute-patient-usage-stats: one patient in every month since March 2026', async () => {
    const files = filesOf(await post(f.a.tokens.system, 'execute-patient-usage-stats', params(NONE)));
    const summary = JSON.parse(files.PatientsUsageSummary).PatientsUsageSummary;
    const march = summary.monthData.find((m: { month: string; year: string }) => m.year === '2026' && m.month === '3');
    expect(march.entries).toEqual([
      { name: 'uniquePatientsWithEpisodeOfCareBeingActiveSevenOrMoreDays', count: 1, percentChangeFromLastMonth: 0 },
      { name: 'uniquePatientsWithEpisodeOfCare', count: 1, percentChangeFromLastMonth: 0 },
    ]);
    expect(summary.monthData[0]).toMatchObject({ year: '2026', month: '3' });
    expect(summary.yearData.find((y: { year: string }) => y.year === '2026').entries[1]).toMatchObject({ count: 1, average: 1 });
  });

  it('$execute-careplan-and-episode-of-care-stats: active episodes and care plans per condition code', async () => {
    const files = filesOf(await post(f.a.tokens.system, 'execute-careplan-and-episode-of-care-stats', params(NONE)));
    // the fixture's episode has no diagnosis
    expect(JSON.parse(files['ConditionCode/none'])).toEqual({ conditionCode: null, episodeOfCareCount: 1, carePlanCount: 1 });
    const later = filesOf(await post(f.a.tokens.system, 'execute-careplan-and-episode-of-care-stats', params(NONE, { name: 'period', valuePeriod: { end: '2026-01-31' } })));
    expect(JSON.parse(later['ConditionCode/none']).carePlanCount).toBe(0);
  });

  it('$execute-careplans-by-patient: each episode with its care plans and requests', async () => {
    const files = filesOf(await post(f.a.tokens.system, 'execute-careplans-by-patient', params(NONE)));
    const group = JSON.parse(files[`EHealthEpisodeOfCare/${f.a.ids.episode}`]);
    expect(group.EHealthCarePlan.map((c: { id: string }) => c.id)).toEqual([f.a.ids.carePlan]);
    expect(group.EHealthServiceRequest.map((c: { id: string }) => c.id)).toEqual([f.a.ids.serviceRequest]);
    const none = filesOf(await post(f.a.tokens.system, 'execute-careplans-by-patient', params(NONE, { name: 'period', valuePeriod: { end: '2026-01-31' } })));
    expect(Object.keys(none)).toEqual(['ReportHeader']);
  });

  it('$execute-careteam-stats: episodes and tasks of the care team', async () => {
    const files = filesOf(await post(f.a.tokens.system, 'execute-careteam-stats', params(NONE, { name: 'organization', valueReference: { reference: `Organization/${f.a.org}` } })));
    const group = JSON.parse(files[`EHealthCareTeam/${f.a.ids.careTeam}`]);
    expect(group).toMatchObject({ episodeOfCareCount: 1, carePlanCount: 0, taskCounts: [{ category: 'measurement-for-assessment', count: 1 }, { category: 'unknown', count: 1 }] }); // the citizen's submitted SpO2 left its assessment Task
    expect(JSON.parse(files[`EHealthCareTeam/${f.a.otherTeam.careTeam}`])).toMatchObject({ episodeOfCareCount: 0, taskCounts: [] });
  });

  it('$execute-patient-gdpr: the patient and its record; nothing for a patient the caller may not read', async () => {
    const mine = JSON.parse(filesOf(await post(f.a.tokens.system, 'execute-patient-gdpr', params(NONE, { name: 'patient', valueReference: { reference: `Patient/${f.a.ids.patient}` } }))).PatientGdpr);
    expect(mine.Patient.map((p: { id: string }) => p.id)).toEqual([f.a.ids.patient]);
    expect(mine.Observation.map((o: { id: string }) => o.id).sort()).toEqual([f.a.ids.observation, f.a.ids.observationByCitizen].sort());
    expect(mine.EpisodeOfCare.map((o: { id: string }) => o.id)).toEqual([f.a.ids.episode]);
    const other = filesOf(await post(f.b.tokens.system, 'execute-patient-gdpr', params(NONE, { name: 'patient', valueReference: { reference: `Patient/${f.a.ids.patient}` } })));
    expect(JSON.parse(other.PatientGdpr)).toEqual({});
    expect((await post(f.a.tokens.system, 'execute-patient-gdpr', params(NONE))).status).toBe(400);
  });

  it('$execute-practitioner-gdpr and $execute-practitioner-stats: the directory about practitioners', async () => {
    const gdpr = JSON.parse(filesOf(await post(f.a.tokens.system, 'execute-practitioner-gdpr', params(NONE, { name: 'practitioner', valueReference: { reference: `Practitioner/${f.a.ids.practitioner}` } }))).PractitionerGdpr);
    expect(gdpr.Practitioner.id).toBe(f.a.ids.practitioner);
    expect(gdpr.CareTeam.map((t: { id: string }) => t.id)).toEqual([f.a.ids.careTeam]);
    const stats = JSON.parse(filesOf(await post(f.a.tokens.system, 'execute-practitioner-stats', params(NONE, { name: 'organization', valueReference: { reference: `Organization/${f.a.org}` } }))).PractitionerStats);
    expect(stats.careTeams).toContainEqual(expect.objectContaining({ reference: `CareTeam/${f.a.ids.careTeam}`, practitionerCount: 1 }));
    expect(stats.careTeams.every((t: { reference: string }) => t.reference !== `CareTeam/${f.b.ids.careTeam}`)).toBe(true);
  });

  it('$execute-patient-devices: the devices used by each episode’s patient, with their metrics', async () => {
    const use = await call(f.t, f.a.tokens.system, 'POST', '/fhir/DeviceUseStatement', {
      resourceType: 'DeviceUseStatement',
      status: 'active',
      subject: { reference: `Patient/${f.a.ids.patient}` },
      device: { reference: `Device/${f.a.ids.device}` },
      timingPeriod: { start: '2026-03-02' },
    });
    expect(use.status).toBe(201);
    const metric = await call(f.t, f.a.tokens.system, 'POST', '/fhir/DeviceMetric', {
      resourceType: 'DeviceMetric',
      type: { text: 'SpO2' },
      source: { reference: `Device/${f.a.ids.device}` },
      category: 'measurement',
    });
    expect(metric.status).toBe(201);
    const files = filesOf(await post(f.a.tokens.system, 'execute-patient-devices', params(NONE)));
    const group = JSON.parse(files[`EHealthEpisodeOfCare/${f.a.ids.episode}`]);
    expect(group.EHealthDeviceUseStatement.map((x: { id: string }) => x.id)).toEqual([use.json().id]);
    expect(group.EHealthDevice.map((x: { id: string }) => x.id)).toEqual([f.a.ids.device]);
    expect(group.EHealthDeviceMetric.map((x: { id: string }) => x.id)).toEqual([metric.json().id]);
    const before = filesOf(await post(f.a.tokens.system, 'execute-patient-devices', params(NONE, { name: 'period', valuePeriod: { end: '2026-02-28' } })));
    expect(Object.keys(before)).toEqual(['ReportHeader']);
    const otherType = filesOf(await post(f.a.tokens.system, 'execute-patient-devices', params(NONE, { name: 'devicetype', valueCoding: { code: 'no-such-type' } })));
    expect(Object.keys(otherType)).toEqual(['ReportHeader']);
    const bOwn = filesOf(await post(f.b.tokens.system, 'execute-patient-devices', params(NONE)));
    expect(leaks(f, Object.values(bOwn).join('\n'))).toEqual([]);
  });

  it('$execute-careplan-duration-stats: time in each status from the version history, per PlanDefinition', async () => {
    const files = filesOf(await post(f.a.tokens.system, 'execute-careplan-duration-stats', params(NONE)));
    const group = JSON.parse(files['PlanDefinition/none']);
    expect(group.statuses).toHaveLength(1);
    const [active] = group.statuses;
    expect(active).toMatchObject({ status: 'active', count: 1 });
    expect(active.min).toMatch(/^P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$/);
    expect([active.max, active.sum, active.average]).toEqual([active.min, active.min, active.min]);
    const none = filesOf(await post(f.a.tokens.system, 'execute-careplan-duration-stats', params(NONE, { name: 'condition', valueCoding: { system: 'urn:oid:1.2.208.176.2.4', code: 'DJ44' } })));
    expect(Object.keys(none)).toEqual(['ReportHeader']);
  });

  it('$schedule-… queues, the job runner computes, $fetch-… and $get-report-job-status answer', async () => {
    const body = params(NONE, { name: 'period', valuePeriod: { start: '2026-05-01', end: '2026-05-31' } });
    const scheduled = await post(f.a.tokens.system, 'schedule-measurement-stats', body);
    expect(scheduled.status).toBe(200);
    expect(scheduled.json()).toMatchObject({ resourceType: 'Binary', contentType: 'text/plain' });
    const jobId = scheduled.json().id;
    const files = filesOf(await fetchDone(f.a.tokens.system, 'measurement-stats', body));
    expect(JSON.parse(files[`EHealthEpisodeOfCare/${f.a.ids.episode}`]).EpisodeOfCareMeasurementSummary.observationCount).toBe(2);
    const status = await call(f.t, f.a.tokens.system, 'GET', '/fhir/$get-report-job-status');
    expect(status.status).toBe(200);
    const job = status.json().entry.find((e: { resource: { id: string } }) => e.resource.id === jobId).resource.parameter[0].part;
    expect(job.find((p: { name: string }) => p.name === 'status').valueString).toBe('DONE');
    expect(job.find((p: { name: string }) => p.name === 'reportClass').valueString).toBe('measurement-stats');
    // other parameters: nothing scheduled with them
    expect((await post(f.a.tokens.system, 'fetch-measurement-stats', params(ANONYMIZED))).status).toBe(404);
  });

  it("another municipality's client never sees A's figures, reports or jobs", async () => {
    const body = params(NONE);
    await post(f.a.tokens.system, 'schedule-patient-total', body);
    await fetchDone(f.a.tokens.system, 'patient-total', body);
    for (const report of ['measurement-stats', 'patient-total', 'patient-usage-stats']) {
      const own = filesOf(await post(f.b.tokens.system, `execute-${report}`, params(NONE)));
      expect({ report, leaks: leaks(f, Object.values(own).join('\n')) }).toEqual({ report, leaks: [] });
    }
    const usage = JSON.parse(filesOf(await post(f.b.tokens.system, 'execute-patient-usage-stats', params(NONE))).PatientsUsageSummary);
    const march = usage.PatientsUsageSummary.monthData.find((m: { month: string; year: string }) => m.year === '2026' && m.month === '3');
    expect(march.entries[1].count).toBe(1); // B's own patient only
    // A's scheduled report: B's fetch answers as for a report never scheduled
    const hidden = await post(f.b.tokens.system, 'fetch-patient-total', body);
    const never = await post(f.b.tokens.system, 'fetch-patient-total', params(NONE, { name: 'status', valueString: 'planned' }));
    expect(hidden.status).toBe(404);
    expect(never.status).toBe(404);
    expect(hidden.json().issue[0].code).toBe(never.json().issue[0].code);
    const status = await call(f.t, f.b.tokens.system, 'POST', '/fhir/$get-report-job-status', { resourceType: 'Parameters' });
    expect(status.json().entry ?? []).toEqual([]);
    // A's other-team clinician (no care relationship) sees no episode of A's patient
    const other = filesOf(await post(f.a.otherTeam.token, 'execute-measurement-stats', params(ANONYMIZED)));
    expect(Object.keys(other)).toEqual(['ReportHeader']);
  });

  it('bad input answers 400 with an OperationOutcome and queues nothing; citizens and operators get 403', async () => {
    const bad: Array<[string, unknown]> = [
      ['no anonymization', params()],
      ['unknown anonymization', params({ name: 'anonymization', valueString: 'SOME' })],
      ['unknown parameter', params(NONE, { name: 'conditionCode', valueCoding: { code: 'DJ44' } })],
      ['twice', params(NONE, NONE)],
      ['bad period', params(NONE, { name: 'period', valuePeriod: { start: '2026-13-01' } })],
      ['period backwards', params(NONE, { name: 'period', valuePeriod: { start: '2026-05-01', end: '2026-04-01' } })],
      ['bad organization', params(NONE, { name: 'organization', valueReference: { reference: 'Patient/x' } })],
      ['not Parameters', { resourceType: 'Patient' }],
    ];
    const before = (await call(f.t, f.a.tokens.system, 'GET', '/fhir/$get-report-job-status')).json().entry?.length ?? 0;
    for (const [what, body] of bad) {
      const res = await post(f.a.tokens.system, 'schedule-measurement-stats', body);
      expect({ what, status: res.status, type: res.json().resourceType }).toEqual({ what, status: 400, type: 'OperationOutcome' });
    }
    expect((await call(f.t, f.a.tokens.system, 'GET', '/fhir/$get-report-job-status')).json().entry?.length ?? 0).toBe(before);
    expect((await post(f.a.tokens.system, 'execute-patient-total', params(NONE, { name: 'status', valueString: 'open' }))).status).toBe(400);
    expect((await call(f.t, f.a.tokens.system, 'GET', '/fhir/$get-report-job-status?x=1')).status).toBe(400);
    for (const token of [f.a.tokens.citizen, f.operatorToken]) {
      const res = await post(token, 'schedule-measurement-stats', params(ANONYMIZED));
      expect(res.status).toBe(403);
      expect(res.json().resourceType).toBe('OperationOutcome');
    }
    // a Patient-less scope may ask for anonymized figures only
    const narrow = await post(f.a.tokens.narrow, 'execute-measurement-stats', params(ANONYMIZED));
    expect(narrow.status).toBe(403);
  });

  it('serves an OperationDefinition per operation at FUT’s canonical URL, matching the route', async () => {
    const module = futReportingModule({ jobs: f.t.storage.jobs });
    await module.loadTemplates?.(f.t.services.interactions, []);
    const again = await module.loadTemplates?.(f.t.services.interactions, []);
    // a second load writes nothing: every definition is found unchanged
    expect({ created: again?.created, updated: again?.updated }).toEqual({ created: [], updated: [] });
    expect((again as { unchanged?: string[] }).unchanged?.length).toBeGreaterThan(0);
    const statement = (await call(f.t, f.a.tokens.system, 'GET', '/fhir/metadata')).json();
    const declared = statement.rest[0].operation as Array<{ name: string; definition: string }>;
    for (const op of module.operations ?? []) {
      expect(declared).toContainEqual({ name: op.name, definition: op.definition });
      const found = await call(f.t, f.a.tokens.system, 'GET', `/fhir/OperationDefinition?url=${encodeURIComponent(op.definition)}`);
      const def = found.json().entry[0].resource;
      expect({ code: def.code, system: def.system, type: def.type, instance: def.instance }).toEqual({ code: op.name, system: true, type: false, instance: false });
    }
    const schedule = (await call(f.t, f.a.tokens.system, 'GET', `/fhir/OperationDefinition?url=${encodeURIComponent('http://ehealth.sundhed.dk/fhir/OperationDefinition/-s-schedule-patient-total')}`)).json().entry[0].resource;
    expect(schedule.parameter.filter((p: { use: string }) => p.use === 'in').map((p: { name: string }) => p.name)).toEqual(['anonymization', 'organization', 'period', 'conditionCode', 'status']);
  });
});
