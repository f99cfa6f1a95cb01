import { nonCprUuid } from '../../support/ids';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { EPISODE_EXTENSION } from '../../../src/telemedicine/scheduler/missing-task';
import { HISTORICAL_IMPORT_TAG } from '../../../src/telemedicine/triage-required';
import { MEASUREMENTS, MON_WED_FRI_0800_4H, serviceRequest, SYSTEMS } from '../../../src/telemedicine/seed/resources';
import { createTestApp, type TestApp } from '../../support/app';
import { createTestAppOnOwnDatabase } from '../../support/own-database';
import { accessToken, registerVendorApp, type VendorApp } from '../auth/vendor-app';

/**
 * The cross-tenant fixture of issue 12: two municipalities A and B, each with its directory
 * entries (Organization, Practitioner, CareTeam), one enrolled patient with a record that touches
 * every access rule (compartment data, resources pointing into the compartment, resources in no
 * compartment owned by the organization) and its clients (system, clinician, citizen, a
 * narrow-scope system client), plus the national operator with definitional resources.
 *
 * Everything a client may legitimately create is created through the API with that client's
 * token (so the server records who owns it); what the API refuses is seeded server-side and
 * reported in `seedProblems` (a positive control: the rules must let owners build their record).
 */

export const PROBE_SYSTEM = 'urn:kolibri:probe';
const TEMPLATES = join(__dirname, '..', '..', '..', 'fhir-profiles', 'groups', 'kol');

/** Keys of one tenant's resources, grouped by the read rule that governs them. */
export const DIRECTORY_KEYS = ['organization', 'practitioner', 'careTeam'] as const;
export const COMPARTMENT_KEYS = ['patient', 'episode', 'serviceRequest', 'carePlan', 'observation', 'observationByCitizen', 'task', 'questionnaireResponse'] as const;
export const POINTING_KEYS = ['provenance', 'binary', 'device'] as const;
export const OWNED_KEYS = ['binaryFree', 'bundle'] as const;
/** What another tenant must not see: compartment data, what points into it and the organization's own records. */
export const HIDDEN_KEYS = [...COMPARTMENT_KEYS, ...POINTING_KEYS, ...OWNED_KEYS] as const;
export const ALL_KEYS = [...DIRECTORY_KEYS, ...HIDDEN_KEYS] as const;
export type ResourceKey = (typeof ALL_KEYS)[number];
export type HiddenKey = (typeof HIDDEN_KEYS)[number];

export const CLIENT_KINDS = ['system', 'clinician', 'citizen', 'narrow'] as const;
export type ClientName = (typeof CLIENT_KINDS)[number];
/** Token scopes of each client name. */
export const CLIENT_SCOPES: Record<ClientName, string> = {
  system: 'system/*.cruds',
  clinician: 'user/*.cruds',
  citizen: 'patient/*.cruds',
  narrow: 'system/Observation.rs',
};

export interface Tenant {
  label: 'A' | 'B';
  /** Organization id; the clients' organization is `Organization/<org>`. */
  org: string;
  cpr: string;
  family: string;
  /** Resource ids by key. */
  ids: Record<ResourceKey, string>;
  /** Types by key. */
  types: Record<ResourceKey, string>;
  /** The bodies as stored after seeding (for building updates). */
  resources: Record<ResourceKey, Resource & { id: string }>;
  /** Identifier (system|value) of each resource that has one. */
  identifiers: Partial<Record<ResourceKey, string>>;
  tokens: Record<ClientName, string>;
  apps: Record<ClientName, VendorApp>;
  /** A second care team of the same organization (not on the episode), its practitioner and clinician token: staff of the organization, no care relationship with the patient. */
  otherTeam: { careTeam: string; practitioner: string; token: string };
}

export interface Definitional {
  questionnaire: Resource & { id: string };
  activityDefinition: Resource & { id: string };
  planDefinition: Resource & { id: string };
  valueSet: Resource & { id: string };
  /** A second ActivityDefinition the operator updates as a positive control. */
  controlActivityDefinition: Resource & { id: string };
}

export interface Fixture {
  t: TestApp;
  a: Tenant;
  b: Tenant;
  operatorToken: string;
  operatorOrg: string;
  defs: Definitional;
  /** Seeding steps the API refused (each also seeded server-side so the probes still run). */
  seedProblems: string[];
  /** A's ids, hidden kinds only (what B must never see). */
  hiddenIdsOfA: Set<string>;
  /** Every id of the fixture with a readable label, for normalizing bodies and naming leaks. */
  labels: Map<string, string>;
}

export interface Answer {
  status: number;
  body: string;
  headers: Record<string, unknown>;
  json(): any;
}

/** One request through app.inject, answered as status, text and headers. */
export async function call(t: TestApp, token: string, method: string, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await t.app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...headers },
    ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
  return { status: res.statusCode, body: res.body, headers: res.headers as Record<string, unknown>, json: () => JSON.parse(res.body) };
}

const randomCpr = () => {
  const day = String(1 + Math.floor(Math.random() * 28)).padStart(2, '0');
  const month = String(1 + Math.floor(Math.random() * 12)).padStart(2, '0');
  const year = String(Math.floor(Math.random() * 100)).padStart(2, '0');
  return `${day}${month}${year}${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}`;
};

const ident = (value: string) => ({ system: PROBE_SYSTEM, value });
const episodeExt = (episode: string) => ({ url: EPISODE_EXTENSION, valueReference: { reference: `EpisodeOfCare/${episode}` } });

/**
 * Build the two tenants, the operator and the definitional resources on a fresh test app: on the
 * shared test database, or with `ownDatabase` (a name prefix) on a migrated database of its own,
 * for probes whose answers hold every row a client may read (system-level exports), which other
 * test files add to meanwhile.
 */
export async function buildFixture(options: { ownDatabase?: string } = {}): Promise<Fixture> {
  const t = options.ownDatabase ? await createTestAppOnOwnDatabase(options.ownDatabase, { auth: 'on' }) : await createTestApp({ auth: 'on' });
  const seedProblems: string[] = [];
  const u = nonCprUuid();

  // The operator: national, no patient data; writes definitional resources and the Organization directory.
  const operatorOrg = `op-${u}`;
  const operatorApp = await registerVendorApp(t, { kind: 'operator', organization: `Organization/${operatorOrg}`, scopes: ['system/*.cruds'] });
  const operatorToken = await accessToken(t, operatorApp, 'system/*.cruds');

  /** POST (or PUT at `id`) with a token; when refused, seed server-side and record the refusal. */
  const make = async <R extends Resource>(what: string, token: string, resource: R, id?: string): Promise<R & { id: string }> => {
    const res = id
      ? await call(t, token, 'PUT', `/fhir/${resource.resourceType}/${id}`, { ...resource, id })
      : await call(t, token, 'POST', `/fhir/${resource.resourceType}`, resource);
    if (res.status === 201 || res.status === 200) return res.json();
    seedProblems.push(`${what}: ${id ? 'PUT' : 'POST'} ${resource.resourceType} answered ${res.status} ${res.body.slice(0, 300)}`);
    const stored = await t.services.store.transaction((tx) => tx.create(resource, id ? { id } : {}));
    return JSON.parse(stored.json as string) as R & { id: string };
  };

  const defs = await definitional(make, operatorToken, u);
  const a = await tenant(t, 'A', make, operatorToken, defs);
  const b = await tenant(t, 'B', make, operatorToken, defs);

  const hiddenIdsOfA = new Set(HIDDEN_KEYS.map((k) => a.ids[k]));
  const labels = new Map<string, string>();
  for (const x of [a, b]) {
    labels.set(x.org, `<${x.label}:organization>`);
    for (const k of ALL_KEYS) labels.set(x.ids[k], `<${x.label}:${k}>`);
    labels.set(x.otherTeam.careTeam, `<${x.label}:otherTeam>`);
    labels.set(x.otherTeam.practitioner, `<${x.label}:otherPractitioner>`);
  }
  for (const [k, r] of Object.entries(defs)) labels.set(r.id, `<def:${k}>`);
  return { t, a, b, operatorToken, operatorOrg, defs, seedProblems, hiddenIdsOfA, labels };
}

type Make = <R extends Resource>(what: string, token: string, resource: R, id?: string) => Promise<R & { id: string }>;

async function definitional(make: Make, operatorToken: string, u: string): Promise<Definitional> {
  const template = (file: string) => JSON.parse(readFileSync(join(TEMPLATES, file), 'utf8')) as Resource & Record<string, unknown>;
  const adId = `probe-spo2-${u}`;
  const adUrl = `https://kolibri.test/fhir/ActivityDefinition/${adId}`;
  const activityDefinition = await make('operator ActivityDefinition', operatorToken, { ...template('activitydefinition-kol-spo2.json'), id: undefined, url: adUrl, version: '1.0', name: 'ProbeSpO2' } as Resource, adId);
  const controlId = `probe-control-${u}`;
  const controlActivityDefinition = await make(
    'operator control ActivityDefinition',
    operatorToken,
    { ...template('activitydefinition-kol-pulse.json'), id: undefined, url: `https://kolibri.test/fhir/ActivityDefinition/${controlId}`, version: '1.0', name: 'ProbeControl' } as Resource,
    controlId,
  );
  const planId = `probe-plan-${u}`;
  const planDefinition = await make(
    'operator PlanDefinition',
    operatorToken,
    {
      ...template('plandefinition-kol-home-monitoring.json'),
      id: undefined,
      url: `https://kolibri.test/fhir/PlanDefinition/${planId}`,
      version: '1.0',
      name: 'ProbePlan',
      action: [{ title: 'SpO2', definitionCanonical: `${adUrl}|1.0` }],
    } as Resource,
    planId,
  );
  const qId = `probe-questionnaire-${u}`;
  const questionnaire = await make(
    'operator Questionnaire',
    operatorToken,
    {
      resourceType: 'Questionnaire',
      url: `https://kolibri.test/fhir/Questionnaire/${qId}`,
      version: '1.0',
      status: 'active',
      item: [{ linkId: 'breathless', text: 'More breathless?', type: 'boolean' }],
    },
    qId,
  );
  const vsId = `probe-valueset-${u}`;
  const valueSet = await make(
    'operator ValueSet',
    operatorToken,
    { resourceType: 'ValueSet', url: `https://kolibri.test/fhir/ValueSet/${vsId}`, version: '1.0', status: 'active', compose: { include: [{ system: SYSTEMS.npu, concept: [{ code: 'NPU03011' }] }] } },
    vsId,
  );
  return { questionnaire, activityDefinition, planDefinition, valueSet, controlActivityDefinition };
}

async function tenant(testApp: TestApp, label: 'A' | 'B', make: Make, operatorToken: string, defs: Definitional): Promise<Tenant> {
  const u = nonCprUuid();
  const cpr = randomCpr();
  const family = `Probe${label}-${u.slice(0, 8)}`;
  const identifiers: Partial<Record<ResourceKey, string>> = {};
  const id = (key: ResourceKey) => {
    const value = `${label}-${key}-${u}`;
    identifiers[key] = `${PROBE_SYSTEM}|${value}`;
    return [ident(value)];
  };
  const r = {} as Record<ResourceKey, Resource & { id: string }>;

  r.organization = await make(`${label} Organization (operator)`, operatorToken, {
    resourceType: 'Organization',
    identifier: [...id('organization'), { system: SYSTEMS.municipality, value: label === 'A' ? '0851' : '0101' }],
    name: `Probe municipality ${label} ${u.slice(0, 8)}`,
  });
  const org = r.organization.id;
  const orgRef = `Organization/${org}`;
  const apps = {} as Record<ClientName, VendorApp>;
  const tokens = {} as Record<ClientName, string>;
  apps.system = await registerVendorApp(testApp, { organization: orgRef, scopes: [CLIENT_SCOPES.system] });
  tokens.system = await accessToken(testApp, apps.system, CLIENT_SCOPES.system);
  apps.narrow = await registerVendorApp(testApp, { organization: orgRef, scopes: [CLIENT_SCOPES.narrow] });
  tokens.narrow = await accessToken(testApp, apps.narrow, CLIENT_SCOPES.narrow);
  const sys = tokens.system;

  r.practitioner = await make(`${label} Practitioner`, sys, { resourceType: 'Practitioner', identifier: id('practitioner'), name: [{ family: `Nurse${label}` }] });
  r.careTeam = await make(`${label} CareTeam`, sys, {
    resourceType: 'CareTeam',
    identifier: id('careTeam'),
    status: 'active',
    name: `KOL-team ${label}`,
    managingOrganization: [{ reference: orgRef }],
    participant: [{ member: { reference: `Practitioner/${r.practitioner.id}` } }],
  });
  r.patient = await make(`${label} Patient`, sys, {
    resourceType: 'Patient',
    identifier: [{ system: SYSTEMS.cpr, value: cpr }, ...id('patient')],
    name: [{ family, given: ['Karen'] }],
    gender: 'female',
    birthDate: '1952-01-01',
  });
  const patientRef = `Patient/${r.patient.id}`;
  r.episode = await make(`${label} EpisodeOfCare`, sys, {
    resourceType: 'EpisodeOfCare',
    identifier: id('episode'),
    status: 'active',
    patient: { reference: patientRef },
    managingOrganization: { reference: orgRef },
    period: { start: '2026-03-01' },
    team: [{ reference: `CareTeam/${r.careTeam.id}` }],
  });

  apps.clinician = await registerVendorApp(testApp, { kind: 'clinician', organization: orgRef, scopes: [CLIENT_SCOPES.clinician] });
  tokens.clinician = await accessToken(testApp, apps.clinician, CLIENT_SCOPES.clinician, {
    claims: { practitioner: `Practitioner/${r.practitioner.id}`, care_team: `CareTeam/${r.careTeam.id}` },
  });
  const otherPractitioner = await make(`${label} second Practitioner`, sys, { resourceType: 'Practitioner', name: [{ family: `Other${label}` }] });
  const otherTeam = await make(`${label} second CareTeam`, sys, {
    resourceType: 'CareTeam',
    status: 'active',
    name: `Hjertesvigt-team ${label}`,
    managingOrganization: [{ reference: orgRef }],
    participant: [{ member: { reference: `Practitioner/${otherPractitioner.id}` } }],
  });
  const otherApp = await registerVendorApp(testApp, { kind: 'clinician', organization: orgRef, scopes: [CLIENT_SCOPES.clinician] });
  const otherToken = await accessToken(testApp, otherApp, CLIENT_SCOPES.clinician, {
    claims: { practitioner: `Practitioner/${otherPractitioner.id}`, care_team: `CareTeam/${otherTeam.id}` },
  });
  // A citizen client is bound to its patient at registration (issue 12 item 5).
  apps.citizen = await registerVendorApp(testApp, { kind: 'citizen', organization: orgRef, scopes: [CLIENT_SCOPES.citizen], patient: patientRef });
  tokens.citizen = await accessToken(testApp, apps.citizen, CLIENT_SCOPES.citizen, { claims: { patient: patientRef } });

  r.serviceRequest = await make(`${label} ServiceRequest`, sys, {
    ...serviceRequest('x', r.patient.id, r.episode.id, MEASUREMENTS.spo2, { ...MON_WED_FRI_0800_4H, boundsPeriod: { start: '2026-03-02' } }),
    id: undefined,
    meta: undefined,
    identifier: id('serviceRequest'),
  });
  r.carePlan = await make(`${label} CarePlan`, sys, {
    resourceType: 'CarePlan',
    identifier: id('carePlan'),
    extension: [episodeExt(r.episode.id)],
    status: 'active',
    intent: 'plan',
    subject: { reference: patientRef },
    period: { start: '2026-03-02' },
    activity: [{ reference: { reference: `ServiceRequest/${r.serviceRequest.id}` } }],
  });
  const observation = (key: ResourceKey, value: number) => ({
    resourceType: 'Observation' as const,
    identifier: id(key),
    extension: [episodeExt(r.episode.id)],
    basedOn: [{ reference: `ServiceRequest/${r.serviceRequest.id}` }],
    status: 'final' as const,
    code: { coding: [{ system: SYSTEMS.npu, code: 'NPU03011', display: 'SpO2' }] },
    subject: { reference: patientRef },
    effectiveDateTime: '2026-05-01T08:00:00Z',
    valueQuantity: { value, unit: '%', system: SYSTEMS.ucum, code: '%' },
  });
  // the patient is in home monitoring: the system client imports history (tagged), the citizen submits
  r.observation = await make(`${label} Observation`, sys, { ...observation('observation', 91), meta: { tag: [{ ...HISTORICAL_IMPORT_TAG }] } });
  const submitted = await call(testApp, tokens.citizen, 'POST', `/fhir/${patientRef}/$submit-measurement`, {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [{ resource: observation('observationByCitizen', 93) }],
  });
  if (submitted.status !== 200) throw new Error(`${label} $submit-measurement answered ${submitted.status} ${submitted.body.slice(0, 300)}`);
  r.observationByCitizen = (submitted.json() as { entry: Array<{ resource: Resource & { id: string } }> }).entry[0].resource;
  r.task = await make(`${label} Task (clinician)`, tokens.clinician, {
    resourceType: 'Task',
    identifier: id('task'),
    status: 'requested',
    intent: 'order',
    priority: 'routine',
    focus: { reference: `Observation/${r.observation.id}` },
    for: { reference: patientRef },
    owner: { reference: `CareTeam/${r.careTeam.id}` },
  });
  r.questionnaireResponse = await make(`${label} QuestionnaireResponse (citizen)`, tokens.citizen, {
    resourceType: 'QuestionnaireResponse',
    identifier: id('questionnaireResponse')[0],
    extension: [episodeExt(r.episode.id)],
    questionnaire: `${(defs.questionnaire as { url?: string }).url}|1.0`,
    status: 'completed',
    subject: { reference: patientRef },
    authored: '2026-05-01T08:00:00Z',
    item: [{ linkId: 'breathless', answer: [{ valueBoolean: true }] }],
  });
  r.provenance = await make(`${label} Provenance`, sys, {
    resourceType: 'Provenance',
    target: [{ reference: `Observation/${r.observation.id}` }],
    recorded: '2026-05-01T08:05:00Z',
    agent: [{ who: { reference: orgRef } }],
  });
  r.binary = await make(`${label} Binary (securityContext)`, sys, {
    resourceType: 'Binary',
    contentType: 'text/plain',
    securityContext: { reference: `Observation/${r.observation.id}` },
    data: Buffer.from(`scan of ${family}`).toString('base64'),
  });
  r.binaryFree = await make(`${label} Binary (no securityContext)`, sys, { resourceType: 'Binary', contentType: 'text/plain', data: Buffer.from(`notes of ${label}`).toString('base64') });
  r.device = await make(`${label} Device`, sys, {
    resourceType: 'Device',
    identifier: id('device'),
    patient: { reference: patientRef },
    deviceName: [{ name: 'Oximeter', type: 'user-friendly-name' }],
  });
  r.bundle = await make(`${label} Bundle`, sys, {
    resourceType: 'Bundle',
    identifier: id('bundle')[0],
    type: 'collection',
    entry: [{ resource: { resourceType: 'Basic', code: { text: `export ${label}` } } }],
  });

  const ids = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.id])) as Record<ResourceKey, string>;
  const types = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.resourceType])) as Record<ResourceKey, string>;
  return { label, org, cpr, family, ids, types, resources: r, identifiers, tokens, apps, otherTeam: { careTeam: otherTeam.id, practitioner: otherPractitioner.id, token: otherToken } };
}

/** A client probing another tenant's data: B's four clients and the operator. */
export interface Prober {
  name: string;
  token: string;
  /** Whether the token's scopes allow writing (every type). */
  writes: boolean;
}

/** Everyone outside A's care relationships: B's system, clinician, citizen and narrow clients, and the operator. */
export function outsiders(f: Fixture): Prober[] {
  return [
    { name: 'B.system', token: f.b.tokens.system, writes: true },
    { name: 'B.clinician', token: f.b.tokens.clinician, writes: true },
    { name: 'B.citizen', token: f.b.tokens.citizen, writes: true },
    { name: 'B.narrow', token: f.b.tokens.narrow, writes: false },
    { name: 'operator', token: f.operatorToken, writes: true },
  ];
}

/**
 * Who must not see or change one of A's hidden resources: every outsider; A's own citizen for A's
 * staff-only records; the clinician of A's other care team (staff of A, but no episode with A's
 * patient) for A's patient data and what points into it.
 */
export function probersFor(f: Fixture, key: HiddenKey): Prober[] {
  const owned = (OWNED_KEYS as readonly string[]).includes(key);
  return [
    ...outsiders(f),
    ...(owned ? [{ name: 'A.citizen', token: f.a.tokens.citizen, writes: true }] : [{ name: 'A.otherTeamClinician', token: f.a.otherTeam.token, writes: true }]),
  ];
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const VOLATILE = new Set(['lastUpdated', 'lastModified', 'timestamp', 'recorded']);

/**
 * A body made comparable: the probed id (hidden or nonexistent) becomes `<TARGET>`, known
 * fixture ids their label, any other UUID (server-assigned ids of what a probe created, Bundle
 * ids) `<UUID>`, and instants that differ between two otherwise equal answers are dropped.
 */
export function normalize(body: string, labels: Map<string, string>, targets: readonly string[]): unknown {
  let text = body;
  for (const target of targets) text = text.split(target).join('<TARGET>');
  text = text.replace(UUID, (m) => labels.get(m.toLowerCase()) ?? labels.get(m) ?? '<UUID>');
  try {
    return strip(JSON.parse(text));
  } catch {
    return text;
  }
}

function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([k]) => !VOLATILE.has(k))
        .map(([k, x]) => [k, k === 'versionId' || k === 'etag' ? '<VERSION>' : strip(x)]),
    );
  }
  return v;
}

/** A probe: a name (the request, the client, what was expected) and a check that returns a failure or nothing. */
export interface Probe {
  name: string;
  run(): Promise<string | undefined>;
}

/** Run probes in small parallel chunks; every failure is collected, none stops the others. */
export async function runProbes(probes: readonly Probe[], chunk = 12): Promise<string[]> {
  const failures: string[] = [];
  for (let i = 0; i < probes.length; i += chunk) {
    const results = await Promise.all(
      probes.slice(i, i + chunk).map(async (p) => {
        try {
          const failure = await p.run();
          return failure === undefined ? undefined : `${p.name}: ${failure}`;
        } catch (err) {
          return `${p.name}: threw ${(err as Error).message}`;
        }
      }),
    );
    for (const r of results) if (r !== undefined) failures.push(r);
  }
  return failures;
}

/** Throw one error listing every failed probe (with a count), or nothing. */
export function report(what: string, total: number, failures: readonly string[]): void {
  if (failures.length) throw new Error(`${failures.length} of ${total} ${what} probes failed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
}

/** An id that never existed, for the "nonexistent" side of a probe (never one the server refuses as a CPR number). */
export const missingId = nonCprUuid;

/** Body weight, not a patient group's measurement: clinicians and citizens write those only through $submit-measurement. */
export const WEIGHT = { meta: undefined, code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] }, valueQuantity: { value: 80, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } };

/**
 * A probe of a write or operation that names one of A's ids: it must be refused, and answer as it
 * does for a nonexistent id. The request itself may name A's other resources: an answer echoing
 * them leaks nothing new; equality decides.
 */
export function refusedLikeMissing(f: Fixture, name: string, hiddenId: string, build: (id: string) => Promise<Answer>): Probe {
  return {
    name,
    run: async () => {
      const absentId = missingId();
      const hidden = await build(hiddenId);
      const missing = await build(absentId);
      if (hidden.status < 300) return `answered ${hidden.status}: ${hidden.body.slice(0, 200)}`;
      return differs(f, hidden, missing, hiddenId, absentId);
    },
  };
}

/** Compare two answers (hidden vs nonexistent): same status and same normalized body. */
export function differs(f: Fixture, hidden: Answer, missing: Answer, hiddenId: string, missingId: string): string | undefined {
  const h = normalize(hidden.body, f.labels, [hiddenId]);
  const m = normalize(missing.body, f.labels, [missingId]);
  if (hidden.status !== missing.status) return `hidden answered ${hidden.status}, nonexistent ${missing.status} (hidden body ${hidden.body.slice(0, 200)})`;
  if (JSON.stringify(h) !== JSON.stringify(m)) return `same status ${hidden.status}, different bodies: ${firstDifference(JSON.stringify(h), JSON.stringify(m))}`;
  const hh = JSON.stringify(headerView(f, hidden, hiddenId));
  const mh = JSON.stringify(headerView(f, missing, missingId));
  if (hh !== mh) return `same status and body, different headers: hidden ${hh} vs nonexistent ${mh}`;
  return undefined;
}

/** Headers that could tell a hidden resource from a missing one (ETag, Location, …), normalized; Last-Modified by presence. */
function headerView(f: Fixture, answer: Answer, id: string): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const name of ['etag', 'location', 'content-location', 'allow', 'www-authenticate']) {
    const value = answer.headers[name];
    if (value !== undefined) view[name] = normalize(JSON.stringify(String(value)), f.labels, [id]);
  }
  if (answer.headers['last-modified'] !== undefined) view['last-modified'] = 'present';
  return view;
}

/** Where two texts first differ, with some context on each side: `…common[hidden|nonexistent]…`. */
export function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 120);
  return `…${a.slice(from, i)}[hidden: ${a.slice(i, i + 120)}… | nonexistent: ${b.slice(i, i + 120)}…]`;
}

/** A's ids (hidden kinds) found in an answer's text, by label. */
export function leaks(f: Fixture, body: string): string[] {
  return [...f.hiddenIdsOfA].filter((id) => body.includes(id)).map((id) => f.labels.get(id) as string);
}

/** Current version (or absence) of each id, straight from the database. */
export async function versionsOf(t: TestApp, ids: readonly string[]): Promise<Record<string, string>> {
  const { rows } = await t.pool.query<{ resource_type: string; id: string; version_id: number; deleted: boolean }>(
    'SELECT resource_type, id, version_id, deleted FROM resource WHERE id = ANY($1)',
    [ids],
  );
  return Object.fromEntries(rows.map((r) => [`${r.resource_type}/${r.id}`, `v${r.version_id}${r.deleted ? ' deleted' : ''}`]));
}

/** Every stored id of A (directory and hidden kinds) and the definitional resources except the control. */
export function protectedIds(f: Fixture): string[] {
  const { controlActivityDefinition, ...defs } = f.defs;
  void controlActivityDefinition;
  return [...ALL_KEYS.map((k) => f.a.ids[k]), ...Object.values(defs).map((d) => d.id)];
}

/**
 * A's resource rewritten to belong to B: every reference to one of A's resources (and A's
 * organization) points at B's counterpart, identifiers dropped (so a copy a probe creates never
 * matches A's identifiers later). The id stays A's.
 */
export function retarget(f: Fixture, key: ResourceKey): Resource & { id: string } {
  let text = JSON.stringify(f.a.resources[key]);
  text = text.split(f.a.org).join(f.b.org);
  for (const k of ALL_KEYS) if (k !== key) text = text.split(f.a.ids[k]).join(f.b.ids[k]);
  const moved = JSON.parse(text) as Resource & { id: string; identifier?: unknown; meta?: unknown };
  delete moved.identifier;
  delete moved.meta;
  // a moved Observation is, for B, an import of history (a plain write of a measurement is refused otherwise)
  if (moved.resourceType === 'Observation') moved.meta = { tag: [{ ...HISTORICAL_IMPORT_TAG }] };
  if (key === 'patient') (moved as { name?: unknown }).name = [{ family: `Moved-${f.b.family}` }];
  return moved;
}

/** A's resource as stored, without meta (a PUT that changes nothing of substance). */
export function unchanged(f: Fixture, key: ResourceKey): Resource & { id: string } {
  const r = { ...f.a.resources[key] } as Resource & { id: string; meta?: unknown };
  delete r.meta;
  // written again by a system client: an import of history (see retarget)
  if (r.resourceType === 'Observation') r.meta = { tag: [{ ...HISTORICAL_IMPORT_TAG }] };
  return r;
}

/** Where each kind points at its patient (JSON Pointer, FHIRPath), for patches that move a resource to another patient. */
export const PATIENT_PATHS: Partial<Record<ResourceKey, { pointer: string; fhirpath: string; element: string }>> = {
  episode: { pointer: '/patient/reference', fhirpath: 'EpisodeOfCare', element: 'patient' },
  serviceRequest: { pointer: '/subject/reference', fhirpath: 'ServiceRequest', element: 'subject' },
  carePlan: { pointer: '/subject/reference', fhirpath: 'CarePlan', element: 'subject' },
  observation: { pointer: '/subject/reference', fhirpath: 'Observation', element: 'subject' },
  observationByCitizen: { pointer: '/subject/reference', fhirpath: 'Observation', element: 'subject' },
  task: { pointer: '/for/reference', fhirpath: 'Task', element: 'for' },
  questionnaireResponse: { pointer: '/subject/reference', fhirpath: 'QuestionnaireResponse', element: 'subject' },
  device: { pointer: '/patient/reference', fhirpath: 'Device', element: 'patient' },
  provenance: { pointer: '/target/0/reference', fhirpath: 'Provenance', element: 'target' },
  binary: { pointer: '/securityContext/reference', fhirpath: 'Binary', element: 'securityContext' },
};

/** What a moving patch points the resource at: B's patient (or, for Provenance and Binary, B's Observation). */
export function moveTarget(f: Fixture, key: ResourceKey): string {
  return key === 'provenance' || key === 'binary' ? `Observation/${f.b.ids.observation}` : `Patient/${f.b.ids.patient}`;
}

/** The patches of the probes: a harmless one (language) and, where the kind has a patient, one that moves it. */
export function patches(f: Fixture, key: ResourceKey): Array<{ name: string; contentType: string; body: unknown }> {
  const out: Array<{ name: string; contentType: string; body: unknown }> = [
    { name: 'JSON Patch add /language', contentType: 'application/json-patch+json', body: [{ op: 'add', path: '/language', value: 'da' }] },
    {
      name: 'FHIRPath Patch add language',
      contentType: 'application/fhir+json',
      body: { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'add' }, { name: 'path', valueString: f.a.types[key] }, { name: 'name', valueString: 'language' }, { name: 'value', valueCode: 'da' }] }] },
    },
  ];
  const path = PATIENT_PATHS[key];
  if (path) {
    const target = moveTarget(f, key);
    out.push({ name: `JSON Patch replace ${path.pointer}`, contentType: 'application/json-patch+json', body: [{ op: 'replace', path: path.pointer, value: target }] });
    const element = key === 'provenance' ? `${path.fhirpath}.target[0]` : `${path.fhirpath}.${path.element}`;
    out.push({
      name: `FHIRPath Patch replace ${element}`,
      contentType: 'application/fhir+json',
      body: { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: element }, { name: 'value', valueReference: { reference: target } }] }] },
    });
  }
  return out;
}

/** A patch as a bundle entry resource: Parameters as is, JSON Patch as a Binary. */
export function patchResource(p: { contentType: string; body: unknown }): unknown {
  return p.contentType === 'application/json-patch+json'
    ? { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify(p.body)).toString('base64') }
    : p.body;
}
