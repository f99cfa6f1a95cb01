import { nonCprUuid } from '../../support/ids';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { isClientKind, type ClientKind } from '../../../src/auth/context';
import { copdWorkflow, type CopdWorkflow } from '../telemedicine/workflow/copd-workflow';
import { registerVendorApp, requestToken } from '../auth/vendor-app';

const README = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

/** The README's "For vendors" table: operation, client kind, scopes. */
function documentedRows(): Array<{ operation: string; kind: ClientKind; scopes: string }> {
  const start = README.indexOf('### For vendors');
  const section = README.slice(start, README.indexOf('\n### ', start + 1));
  return [...section.matchAll(/^\| `([^`]+)` \| `(\w+)`[^|]*\| `([^`]+)` \|$/gm)].map((m) => {
    if (!isClientKind(m[2])) throw new Error(`README: unknown client kind ${m[2]}`);
    return { operation: m[1], kind: m[2], scopes: m[3] };
  });
}

/**
 * Issue 13 item 11: every example in the README's scope table reaches its operation. Each row:
 * a client of that kind registered with exactly those scopes asks for exactly them and calls the
 * operation on the COPD acceptance setting (an enrolled patient with a persisted plan).
 */
describe("the README's scopes for vendors", () => {
  let w: CopdWorkflow;
  const u = nonCprUuid().slice(0, 8);
  const rows = documentedRows();

  beforeAll(async () => {
    w = await copdWorkflow(u);
    await w.persistPlan();
  });
  afterAll(() => w.t.close());

  /** The request each documented operation stands for, and how to tell it worked. */
  const calls: Record<string, (token: string) => Promise<LightMyRequestResponse>> = {
    'POST /fhir/Patient/{id}/$submit-measurement': (token) => w.submit(token, [w.observation('NPU03011', '%', 95, '2026-03-09T08:10:00+01:00')]),
    'POST /fhir/PlanDefinition/{id}/$apply?persist=true': (token) => w.t.app.inject({ method: 'POST', url: `/fhir/PlanDefinition/kol-home-monitoring/$apply?subject=Patient/${w.ids.patient}&episodeOfCare=EpisodeOfCare/${w.ids.eoc}&start=2026-04-06&persist=true`, headers: w.as(token) }),
    'GET /fhir/PlanDefinition/{id}/$apply': (token) => w.t.app.inject({ method: 'GET', url: `/fhir/PlanDefinition/kol-home-monitoring/$apply?subject=Patient/${w.ids.patient}&episodeOfCare=EpisodeOfCare/${w.ids.eoc}&start=2026-04-06`, headers: w.as(token) }),
    'GET /fhir/Patient/{id}/$everything': (token) => w.t.app.inject({ method: 'GET', url: `/fhir/Patient/${w.ids.patient}/$everything`, headers: w.as(token) }),
    'GET /fhir/Observation/$lastn?patient=…': (token) => w.t.app.inject({ method: 'GET', url: `/fhir/Observation/$lastn?patient=Patient/${w.ids.patient}&max=3`, headers: w.as(token) }),
    'GET /fhir/Patient/{id}/$get-patient-procedures': (token) => w.t.app.inject({ method: 'GET', url: `/fhir/Patient/${w.ids.patient}/$get-patient-procedures?date=2026-03-09`, headers: w.as(token) }),
    'GET /fhir/$rollout-report': (token) => w.t.app.inject({ method: 'GET', url: '/fhir/$rollout-report?periodStart=2026-03-01&periodEnd=2026-03-31', headers: w.as(token) }),
    'GET /fhir/$utilisation-report': (token) => w.t.app.inject({ method: 'GET', url: '/fhir/$utilisation-report?periodStart=2026-03-01&periodEnd=2026-03-31', headers: w.as(token) }),
    'GET /fhir/$self-management-report': (token) => w.t.app.inject({ method: 'GET', url: '/fhir/$self-management-report?periodStart=2026-03-01&periodEnd=2026-03-31', headers: w.as(token) }),
  };

  /** A token for a new client of `kind` registered with exactly `scopes`, asking for exactly them. */
  async function tokenFor(kind: ClientKind, scopes: string): Promise<string> {
    const app = await registerVendorApp(w.t, { kind, organization: `Organization/${w.ids.orgA}`, scopes: scopes.split(' '), ...(kind === 'citizen' ? { patient: `Patient/${w.ids.patient}` } : {}) });
    const claims = kind === 'clinician' ? { practitioner: `Practitioner/${w.ids.nurse}`, care_team: `CareTeam/${w.ids.team}` } : {};
    const res = await requestToken(w.t, app, scopes, { claims });
    expect({ status: res.statusCode, scope: res.json().scope as string }).toEqual({ status: 200, scope: scopes });
    return res.json().access_token as string;
  }

  it('documents every operation', () => {
    expect([...new Set(rows.map((r) => r.operation))].sort()).toEqual(Object.keys(calls).sort());
  });

  it.each(documentedRows().map((r) => [r.operation, r.kind, r.scopes]))('%s as a %s client with %s', async (operation, kind, scopes) => {
    const res = await calls[operation](await tokenFor(kind as ClientKind, scopes));
    expect({ status: res.statusCode, body: res.statusCode === 200 ? '' : res.body }).toEqual({ status: 200, body: '' });
  });

  it('the national reports: the registration example (system/Observation.rs system/Patient.rs) is not enough, nor is a clinician or a citizen', async () => {
    expect((await calls['GET /fhir/$rollout-report'](await tokenFor('system', 'system/Observation.rs system/Patient.rs'))).statusCode).toBe(403);
    expect((await calls['GET /fhir/$rollout-report'](await tokenFor('clinician', 'user/MeasureReport.r'))).statusCode).toBe(403);
    expect((await calls['GET /fhir/$utilisation-report'](await tokenFor('system', 'system/Observation.rs system/Patient.rs'))).statusCode).toBe(403);
    expect((await calls['GET /fhir/$utilisation-report'](await tokenFor('clinician', 'user/MeasureReport.r'))).statusCode).toBe(403);
    expect((await calls['GET /fhir/$self-management-report'](await tokenFor('system', 'system/Observation.rs system/Patient.rs'))).statusCode).toBe(403);
    expect((await calls['GET /fhir/$self-management-report'](await tokenFor('clinician', 'user/MeasureReport.r'))).statusCode).toBe(403);
    expect((await calls['GET /fhir/$self-management-report'](await tokenFor('citizen', 'patient/MeasureReport.r patient/QuestionnaireResponse.rs'))).statusCode).toBe(403);
  });
});
