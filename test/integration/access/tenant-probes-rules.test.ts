import { nonCprUuid } from '../../support/ids';
import { drainAudit } from '../../support/audit-drain';
import {
  buildFixture,
  call,
  differs,
  HIDDEN_KEYS,
  outsiders,
  refusedLikeMissing,
  report,
  runProbes,
  unchanged,
  versionsOf,
  WEIGHT,
  type Answer,
  type Fixture,
  type Probe,
} from './tenants';
import { registerVendorApp, requestToken } from '../auth/vendor-app';

/**
 * Issue 12, ownership and grant rules, generated over client kinds: definitional resources change
 * only by the operator kind; the Organization directory by the operator (and an organization's own
 * system client for its own entry, partOf excepted); CareTeam and EpisodeOfCare belong to their
 * managingOrganization and are never re-parented, and nobody enrols another tenant's patient by id;
 * citizens write only their measurement-like types in their own compartment; AuditEvent is
 * read-only; the write operations ($submit-measurement, $apply with persist) give B nothing of A's.
 * Positive controls show each allowed path works.
 */
describe('cross-tenant probes: ownership, grants, citizen writes, write operations', () => {
  let f: Fixture;
  let before: Record<string, string>;
  let count = 0;
  /** A's hidden resources (untouched by this file's positive controls). */
  const watched = () => HIDDEN_KEYS.filter((k) => k !== 'episode').map((k) => f.a.ids[k]);

  beforeAll(async () => {
    f = await buildFixture();
    before = await versionsOf(f.t, [...watched(), ...Object.values(f.defs).filter((d) => d !== f.defs.controlActivityDefinition).map((d) => d.id)]);
  });
  afterAll(async () => {
    console.log(`tenant-probes-rules: ${count} probes`);
    await f.t.close();
  });

  const expectStatus = (name: string, want: number[], run: () => Promise<Answer>): Probe => ({
    name,
    run: async () => {
      const res = await run();
      return want.includes(res.status) ? undefined : `expected ${want.join('/')}, got ${res.status} ${res.body.slice(0, 240)}`;
    },
  });
  const staff = () => [
    { name: 'A.system', token: f.a.tokens.system },
    { name: 'A.clinician', token: f.a.tokens.clinician },
    { name: 'A.citizen', token: f.a.tokens.citizen },
    { name: 'B.system', token: f.b.tokens.system },
    { name: 'B.clinician', token: f.b.tokens.clinician },
    { name: 'B.citizen', token: f.b.tokens.citizen },
  ];
  const jsonPatch = { 'content-type': 'application/json-patch+json' };
  const batchStatus = async (token: string, type: 'batch' | 'transaction', entry: unknown[]): Promise<Answer> => {
    const res = await call(f.t, token, 'POST', '/fhir', { resourceType: 'Bundle', type, entry });
    if (type === 'transaction' || res.status !== 200) return res;
    const status = Number(String(res.json().entry?.[0]?.response?.status ?? '0').slice(0, 3));
    return { ...res, status };
  };

  it('write operations on A\'s patient answer like for a nonexistent patient and create nothing for A', async () => {
    const a = f.a;
    const items = [{ ...unchanged(f, 'observation'), id: undefined, identifier: undefined, effectiveDateTime: '2026-03-04T08:30:00+01:00', valueQuantity: { value: 84, unit: '%', system: 'http://unitsofmeasure.org', code: '%' } }];
    const submission = { resourceType: 'Bundle', type: 'collection', entry: items.map((resource) => ({ resource })) };
    const plan = f.defs.planDefinition.id;
    // A's record without its AuditEvents (denied reads may add failure records to A's trail)
    const countOfA = async () =>
      ((await call(f.t, a.tokens.system, 'GET', `/fhir/Patient/${a.ids.patient}/$everything?_count=1000`)).json().entry ?? []).filter((e: { resource: { resourceType: string } }) => e.resource.resourceType !== 'AuditEvent').length;
    const startCount = await countOfA();
    const probes: Probe[] = [];
  const pair = (name: string, hiddenId: string, build: (id: string) => Promise<Answer>): Probe => refusedLikeMissing(f, name, hiddenId, build);
    for (const p of outsiders(f)) {
      probes.push(pair(`${p.name}: POST Patient/{A}/$submit-measurement`, a.ids.patient, (x) => call(f.t, p.token, 'POST', `/fhir/Patient/${x}/$submit-measurement`, submission)));
      probes.push(
        pair(`${p.name}: POST PlanDefinition/{plan}/$apply?subject=Patient/{A}&persist=true`, a.ids.patient, (x) =>
          call(f.t, p.token, 'POST', `/fhir/PlanDefinition/${plan}/$apply?subject=Patient/${x}&episodeOfCare=EpisodeOfCare/${a.ids.episode}&start=2026-03-02&persist=true`)),
      );
      probes.push(
        pair(`${p.name}: POST PlanDefinition/{plan}/$apply?episodeOfCare={A}&persist=true`, a.ids.episode, (x) =>
          call(f.t, p.token, 'POST', `/fhir/PlanDefinition/${plan}/$apply?subject=Patient/${f.b.ids.patient}&episodeOfCare=EpisodeOfCare/${x}&start=2026-03-02&persist=true`)),
      );
    }
    // B's own patient's submission naming A's episode or A's ServiceRequest: refused like naming ones that do not exist, and no Task for A's team
    const b = f.b;
    const bItem = (episode: string, serviceRequest: string) => ({
      ...unchanged(f, 'observation'),
      id: undefined,
      identifier: undefined,
      subject: { reference: `Patient/${b.ids.patient}` },
      extension: [{ url: 'https://kolibri.dk/fhir/StructureDefinition/ext-episode-of-care', valueReference: { reference: `EpisodeOfCare/${episode}` } }],
      basedOn: [{ reference: `ServiceRequest/${serviceRequest}` }],
      effectiveDateTime: '2026-03-06T08:30:00+01:00',
      valueQuantity: { value: 84, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    });
    const bSubmission = (item: object) => ({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: item }] });
    for (const [name, token] of [['B.citizen', b.tokens.citizen], ['B.system', b.tokens.system], ['B.clinician', b.tokens.clinician]] as const) {
      probes.push(pair(`${name}: POST Patient/{B}/$submit-measurement with A's episode`, a.ids.episode, (x) => call(f.t, token, 'POST', `/fhir/Patient/${b.ids.patient}/$submit-measurement`, bSubmission(bItem(x, b.ids.serviceRequest)))));
      probes.push(pair(`${name}: POST Patient/{B}/$submit-measurement basedOn A's ServiceRequest`, a.ids.serviceRequest, (x) => call(f.t, token, 'POST', `/fhir/Patient/${b.ids.patient}/$submit-measurement`, bSubmission(bItem(b.ids.episode, x)))));
    }
    probes.push({
      name: 'no Task reached A\'s care team from B\'s submissions',
      run: async () => {
        const res = await call(f.t, a.tokens.system, 'GET', `/fhir/Task?owner=CareTeam/${a.ids.careTeam}&_count=500`);
        const foreign = ((res.json().entry ?? []) as Array<{ resource: { id: string; for?: { reference?: string } } }>).filter((e) => e.resource.for?.reference !== `Patient/${a.ids.patient}`);
        return foreign.length ? `A's team has Tasks for other patients: ${foreign.map((e) => e.resource.for?.reference).join(', ')}` : undefined;
      },
    });
    probes.push({
      name: 'nothing was added to A\'s record by the outsiders',
      run: async () => {
        const now = await countOfA();
        return now === startCount ? undefined : `A's $everything grew from ${startCount} to ${now}`;
      },
    });
    // positive controls: A's citizen submits, A's system client persists a plan
    probes.push(expectStatus('A.citizen: POST Patient/{A}/$submit-measurement (positive)', [200], () => call(f.t, a.tokens.citizen, 'POST', `/fhir/Patient/${a.ids.patient}/$submit-measurement`, submission)));
    probes.push(
      expectStatus('A.system: $apply persist=true for its patient (positive)', [200], () =>
        call(f.t, a.tokens.system, 'POST', `/fhir/PlanDefinition/${plan}/$apply?subject=Patient/${a.ids.patient}&episodeOfCare=EpisodeOfCare/${a.ids.episode}&start=2026-03-02&persist=true`)),
    );
    count += probes.length;
    report('write operation', probes.length, await runProbes(probes, 1));
  }, 120_000);

  it('definitional resources: every non-operator client is refused every write, even with *.cruds', async () => {
    const probes: Probe[] = [];
    const defs = [f.defs.questionnaire, f.defs.activityDefinition, f.defs.planDefinition, f.defs.valueSet];
    for (const c of staff()) {
      for (const d of defs) {
        const type = d.resourceType;
        const url = (d as { url?: string }).url as string;
        const changed = { ...d, meta: undefined, title: `changed by ${c.name}`, status: 'retired' };
        const at = `${c.name} → ${type}/${d.id}`;
        probes.push(expectStatus(`${at}: PUT`, [403], () => call(f.t, c.token, 'PUT', `/fhir/${type}/${d.id}`, changed)));
        probes.push(expectStatus(`${at}: PATCH (JSON Patch)`, [403], () => call(f.t, c.token, 'PATCH', `/fhir/${type}/${d.id}`, [{ op: 'replace', path: '/status', value: 'retired' }], jsonPatch)));
        probes.push(
          expectStatus(`${at}: PATCH (FHIRPath Patch)`, [403], () =>
            call(f.t, c.token, 'PATCH', `/fhir/${type}/${d.id}`, {
              resourceType: 'Parameters',
              parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: `${type}.status` }, { name: 'value', valueCode: 'retired' }] }],
            })),
        );
        probes.push(expectStatus(`${at}: DELETE`, [403], () => call(f.t, c.token, 'DELETE', `/fhir/${type}/${d.id}`)));
        probes.push(expectStatus(`${at}: PUT ${type}?url=…`, [403], () => call(f.t, c.token, 'PUT', `/fhir/${type}?url=${encodeURIComponent(url)}`, { ...changed, id: undefined })));
        probes.push(expectStatus(`${at}: DELETE ${type}?url=…`, [403], () => call(f.t, c.token, 'DELETE', `/fhir/${type}?url=${encodeURIComponent(url)}`)));
        probes.push(expectStatus(`${at}: batch PUT entry`, [403], () => batchStatus(c.token, 'batch', [{ request: { method: 'PUT', url: `${type}/${d.id}` }, resource: changed }])));
        probes.push(expectStatus(`${at}: transaction PUT entry`, [403], () => batchStatus(c.token, 'transaction', [{ request: { method: 'PUT', url: `${type}/${d.id}` }, resource: changed }])));
        probes.push(expectStatus(`${at}: transaction DELETE entry`, [403], () => batchStatus(c.token, 'transaction', [{ request: { method: 'DELETE', url: `${type}/${d.id}` } }])));
      }
      // creating new definitional resources of any kind
      const fresh = (type: string) => ({ resourceType: type, url: `https://kolibri.test/fhir/${type}/by-${c.name}-${nonCprUuid()}`, version: '1', status: 'active', ...(type === 'CodeSystem' ? { content: 'complete' } : {}) });
      for (const type of ['Questionnaire', 'PlanDefinition', 'ActivityDefinition', 'ValueSet', 'CodeSystem', 'ConceptMap', 'NamingSystem', 'SearchParameter']) {
        const body =
          type === 'NamingSystem'
            ? { resourceType: type, name: 'x', status: 'active', kind: 'identifier', date: '2026-01-01', uniqueId: [{ type: 'uri', value: `urn:x:${nonCprUuid()}` }] }
            : type === 'SearchParameter'
              ? { ...fresh(type), name: 'probe', description: 'x', code: `probe-${nonCprUuid().slice(0, 8)}`, base: ['Observation'], type: 'token', expression: 'Observation.status' }
              : fresh(type);
        probes.push(expectStatus(`${c.name}: POST ${type}`, [403], () => call(f.t, c.token, 'POST', `/fhir/${type}`, body)));
        const newId = `probe-new-${nonCprUuid()}`;
        probes.push(expectStatus(`${c.name}: PUT ${type}/probe-${type.toLowerCase()}-new (create at a chosen id)`, [403], () => call(f.t, c.token, 'PUT', `/fhir/${type}/${newId}`, { ...body, id: newId })));
        probes.push(expectStatus(`${c.name}: batch POST ${type}`, [403], () => batchStatus(c.token, 'batch', [{ request: { method: 'POST', url: type }, resource: body }])));
      }
    }
    // the example: thresholds of an ActivityDefinition changed to 1/2 by a municipality
    const ad = f.defs.activityDefinition as { extension?: unknown[] };
    probes.push(expectStatus('A.system: PUT ActivityDefinition with thresholds 1/2', [403], () => call(f.t, f.a.tokens.system, 'PUT', `/fhir/ActivityDefinition/${f.defs.activityDefinition.id}`, { ...ad, meta: undefined, extension: JSON.parse(JSON.stringify(ad.extension ?? []).replace(/"value":8[58]/g, '"value":1')) })));
    count += probes.length;
    report('definitional write', probes.length, await runProbes(probes, 8));
  }, 120_000);

  it('positive controls: the operator creates, updates, patches and deletes definitional resources', async () => {
    const op = f.operatorToken;
    const ad = f.defs.controlActivityDefinition;
    const probes: Probe[] = [
      expectStatus('operator: PUT ActivityDefinition (control)', [200], () => call(f.t, op, 'PUT', `/fhir/ActivityDefinition/${ad.id}`, { ...ad, meta: undefined, title: 'changed by the operator' })),
      expectStatus('operator: POST Questionnaire', [201], () => call(f.t, op, 'POST', '/fhir/Questionnaire', { resourceType: 'Questionnaire', url: `https://kolibri.test/fhir/Questionnaire/op-${nonCprUuid()}`, version: '1', status: 'draft' })),
      expectStatus('operator: PUT CodeSystem at a chosen id', [201], () => {
        const id = `op-cs-${nonCprUuid()}`;
        return call(f.t, op, 'PUT', `/fhir/CodeSystem/${id}`, { resourceType: 'CodeSystem', id, url: `https://kolibri.test/fhir/CodeSystem/${id}`, status: 'draft', content: 'complete' });
      }),
      expectStatus('operator: POST Organization', [201], () => call(f.t, op, 'POST', '/fhir/Organization', { resourceType: 'Organization', name: `Region ${nonCprUuid().slice(0, 6)}` })),
    ];
    probes.push(
      expectStatus('operator: PATCH then DELETE a ValueSet it created', [200, 204], async () => {
        const vs = await call(f.t, op, 'POST', '/fhir/ValueSet', { resourceType: 'ValueSet', url: `https://kolibri.test/fhir/ValueSet/op-${nonCprUuid()}`, status: 'draft' });
        const patched = await call(f.t, op, 'PATCH', `/fhir/ValueSet/${vs.json().id}`, [{ op: 'replace', path: '/status', value: 'active' }], jsonPatch);
        if (patched.status !== 200) return patched;
        return call(f.t, op, 'DELETE', `/fhir/ValueSet/${vs.json().id}`);
      }),
    );
    count += probes.length;
    report('operator control', probes.length, await runProbes(probes, 4));
  });

  it('Organization: created and deleted by the operator only; updated by the operator or the organization\'s own system client, partOf excepted', async () => {
    const a = f.a;
    const org = unchanged(f, 'organization');
    // the positive control first, before any refused write could have changed A's entry
    const positive = [expectStatus('A.system: PUT its own Organization renamed (positive)', [200], () => call(f.t, a.tokens.system, 'PUT', `/fhir/Organization/${a.org}`, { ...org, name: `${(org as { name?: string }).name} (renamed)` }))];
    const positiveFailures = await runProbes(positive);
    const probes: Probe[] = [];
    for (const c of staff()) {
      probes.push(expectStatus(`${c.name}: POST Organization`, [403], () => call(f.t, c.token, 'POST', '/fhir/Organization', { resourceType: 'Organization', name: `New by ${c.name}` })));
      probes.push(expectStatus(`${c.name}: DELETE Organization/{A}`, [403], () => call(f.t, c.token, 'DELETE', `/fhir/Organization/${a.org}`)));
      probes.push(expectStatus(`${c.name}: PUT Organization/{A} partOf B`, [403], () => call(f.t, c.token, 'PUT', `/fhir/Organization/${a.org}`, { ...org, partOf: { reference: `Organization/${f.b.org}` } })));
      if (c.name !== 'A.system') probes.push(expectStatus(`${c.name}: PUT Organization/{A} renamed`, [403], () => call(f.t, c.token, 'PUT', `/fhir/Organization/${a.org}`, { ...org, name: `Renamed by ${c.name}` })));
    }
    probes.push(expectStatus('operator: PUT Organization/{A} renamed (positive)', [200], () => call(f.t, f.operatorToken, 'PUT', `/fhir/Organization/${a.org}`, { ...org, name: `${(org as { name?: string }).name} (renamed by the operator)` })));
    probes.push(
      expectStatus('operator: DELETE an Organization it created (positive)', [200, 204], async () => {
        const made = await call(f.t, f.operatorToken, 'POST', '/fhir/Organization', { resourceType: 'Organization', name: 'Short-lived' });
        return call(f.t, f.operatorToken, 'DELETE', `/fhir/Organization/${made.json().id}`);
      }),
    );
    count += probes.length + positive.length;
    report('organization', probes.length + positive.length, [...positiveFailures, ...(await runProbes(probes, 4))]);
  });

  it('CareTeam and EpisodeOfCare belong to their managing organization and are never re-parented; nobody enrols another tenant\'s patient', async () => {
    const a = f.a;
    const b = f.b;
    const team = (org: string, extra: object = {}) => ({ resourceType: 'CareTeam', status: 'active', name: 'Team', managingOrganization: [{ reference: `Organization/${org}` }], ...extra });
    const episode = (patient: string, org: string, teamId: string) => ({
      resourceType: 'EpisodeOfCare',
      status: 'active',
      patient: { reference: `Patient/${patient}` },
      managingOrganization: { reference: `Organization/${org}` },
      period: { start: '2026-06-01' },
      team: [{ reference: `CareTeam/${teamId}` }],
    });
    const probes: Probe[] = [];
    // creating grant-bearing resources managed by another organization, or for a patient not reached
    for (const c of [...staff(), { name: 'operator', token: f.operatorToken }]) {
      const own = c.name.startsWith('B') ? b : a;
      const other = c.name.startsWith('B') ? a : b;
      probes.push(expectStatus(`${c.name}: POST CareTeam managed by ${other.label}`, [403], () => call(f.t, c.token, 'POST', '/fhir/CareTeam', team(other.org))));
      probes.push(expectStatus(`${c.name}: POST EpisodeOfCare for ${other.label}'s patient, managed by ${own.label}`, [403], () => call(f.t, c.token, 'POST', '/fhir/EpisodeOfCare', episode(other.ids.patient, own.org, own.ids.careTeam))));
      probes.push(expectStatus(`${c.name}: POST EpisodeOfCare for ${own.label}'s patient, managed by ${other.label}`, [403], () => call(f.t, c.token, 'POST', '/fhir/EpisodeOfCare', episode(own.ids.patient, other.org, other.ids.careTeam))));
      probes.push(
        expectStatus(`${c.name}: transaction POST EpisodeOfCare for ${other.label}'s patient`, [403], () =>
          batchStatus(c.token, 'transaction', [{ request: { method: 'POST', url: 'EpisodeOfCare' }, resource: episode(other.ids.patient, own.org, own.ids.careTeam) }])),
      );
      probes.push(
        expectStatus(`${c.name}: batch POST EpisodeOfCare for ${other.label}'s patient`, [403], () =>
          batchStatus(c.token, 'batch', [{ request: { method: 'POST', url: 'EpisodeOfCare' }, resource: episode(other.ids.patient, own.org, own.ids.careTeam) }])),
      );
      probes.push(
        expectStatus(`${c.name}: POST EpisodeOfCare for ${other.label}'s patient with If-None-Exist`, [403], () =>
          call(f.t, c.token, 'POST', '/fhir/EpisodeOfCare', episode(other.ids.patient, own.org, own.ids.careTeam), { 'if-none-exist': `identifier=urn:x|${nonCprUuid()}` })),
      );
      probes.push(
        expectStatus(`${c.name}: PUT EpisodeOfCare?identifier=<new> for ${other.label}'s patient (conditional create)`, [403], () =>
          call(f.t, c.token, 'PUT', `/fhir/EpisodeOfCare?identifier=urn:x|${nonCprUuid()}`, episode(other.ids.patient, own.org, own.ids.careTeam))),
      );
    }
    // re-parenting A's own grant-bearing resources, by A itself
    const teamA = unchanged(f, 'careTeam');
    const episodeA = unchanged(f, 'episode');
    for (const c of [{ name: 'A.system', token: a.tokens.system }, { name: 'A.clinician', token: a.tokens.clinician }]) {
      probes.push(expectStatus(`${c.name}: PUT its CareTeam managed by B`, [403], () => call(f.t, c.token, 'PUT', `/fhir/CareTeam/${a.ids.careTeam}`, { ...teamA, managingOrganization: [{ reference: `Organization/${b.org}` }] })));
      probes.push(expectStatus(`${c.name}: PATCH its CareTeam adding B as managing organization`, [403], () => call(f.t, c.token, 'PATCH', `/fhir/CareTeam/${a.ids.careTeam}`, [{ op: 'add', path: '/managingOrganization/-', value: { reference: `Organization/${b.org}` } }], jsonPatch)));
      probes.push(expectStatus(`${c.name}: PUT its EpisodeOfCare managed by B`, [403], () => call(f.t, c.token, 'PUT', `/fhir/EpisodeOfCare/${a.ids.episode}`, { ...episodeA, managingOrganization: { reference: `Organization/${b.org}` } })));
      probes.push(expectStatus(`${c.name}: PATCH its EpisodeOfCare managed by B`, [403], () => call(f.t, c.token, 'PATCH', `/fhir/EpisodeOfCare/${a.ids.episode}`, [{ op: 'replace', path: '/managingOrganization/reference', value: `Organization/${b.org}` }], jsonPatch)));
      probes.push(expectStatus(`${c.name}: PATCH its EpisodeOfCare to B's patient`, [403], () => call(f.t, c.token, 'PATCH', `/fhir/EpisodeOfCare/${a.ids.episode}`, [{ op: 'replace', path: '/patient/reference', value: `Patient/${b.ids.patient}` }], jsonPatch)));
    }
    // citizens never write grant-bearing resources, even their own
    probes.push(expectStatus('A.citizen: POST EpisodeOfCare for itself', [403], () => call(f.t, a.tokens.citizen, 'POST', '/fhir/EpisodeOfCare', episode(a.ids.patient, a.org, a.ids.careTeam))));
    probes.push(expectStatus('A.citizen: PUT its EpisodeOfCare', [403], () => call(f.t, a.tokens.citizen, 'PUT', `/fhir/EpisodeOfCare/${a.ids.episode}`, { ...episodeA, status: 'finished' })));
    probes.push(expectStatus('A.citizen: PUT its care team', [403], () => call(f.t, a.tokens.citizen, 'PUT', `/fhir/CareTeam/${a.ids.careTeam}`, { ...teamA, name: 'mine' })));
    probes.push(expectStatus('A.citizen: POST CareTeam', [403], () => call(f.t, a.tokens.citizen, 'POST', '/fhir/CareTeam', team(a.org))));
    // positive controls: the organization's system client manages its own teams and episodes; its clinician its own care team
    probes.push(
      expectStatus('A.system: POST, PUT and DELETE a CareTeam it manages (positive)', [200, 204], async () => {
        const made = await call(f.t, a.tokens.system, 'POST', '/fhir/CareTeam', team(a.org));
        if (made.status !== 201) return made;
        const put = await call(f.t, a.tokens.system, 'PUT', `/fhir/CareTeam/${made.json().id}`, { ...made.json(), name: 'Renamed' });
        if (put.status !== 200) return put;
        return call(f.t, a.tokens.system, 'DELETE', `/fhir/CareTeam/${made.json().id}`);
      }),
    );
    probes.push(
      expectStatus('A.clinician: PUT another A team it is not in', [403], async () => {
        const made = await call(f.t, a.tokens.system, 'POST', '/fhir/CareTeam', team(a.org));
        return call(f.t, a.tokens.clinician, 'PUT', `/fhir/CareTeam/${made.json().id}`, { ...made.json(), name: 'Not mine' });
      }),
    );
    probes.push(expectStatus('A.clinician: PUT its own care team renamed (positive)', [200], () => call(f.t, a.tokens.clinician, 'PUT', `/fhir/CareTeam/${a.ids.careTeam}`, { ...teamA, name: 'KOL-team A (renamed by its clinician)' })));
    probes.push(expectStatus('A.clinician: PUT an episode of its care team (positive)', [200], () => call(f.t, a.tokens.clinician, 'PUT', `/fhir/EpisodeOfCare/${a.ids.episode}`, { ...episodeA, period: { start: '2026-03-01', end: '2027-03-01' } })));
    probes.push(
      expectStatus('A.system: POST and PUT an EpisodeOfCare for its own patient (positive)', [200], async () => {
        const made = await call(f.t, a.tokens.system, 'POST', '/fhir/EpisodeOfCare', episode(a.ids.patient, a.org, a.ids.careTeam));
        if (made.status !== 201) return made;
        return call(f.t, a.tokens.system, 'PUT', `/fhir/EpisodeOfCare/${made.json().id}`, { ...made.json(), status: 'finished' });
      }),
    );
    count += probes.length;
    report('grant', probes.length, await runProbes(probes, 6));
  }, 120_000);

  it('reach: a system client reaches the Patients it registered; nobody else does until an episode exists', async () => {
    const a = f.a;
    const created = await call(f.t, a.tokens.system, 'POST', '/fhir/Patient', { resourceType: 'Patient', name: [{ family: `Registered-${nonCprUuid().slice(0, 8)}` }], gender: 'male' });
    const id = created.json().id as string;
    f.hiddenIdsOfA.add(id);
    const probes: Probe[] = [
      expectStatus('A.system: POST Patient', [201], async () => created),
      expectStatus('A.system: GET the Patient it registered', [200], () => call(f.t, a.tokens.system, 'GET', `/fhir/Patient/${id}`)),
      expectStatus('A.system: PATCH the Patient it registered', [200], () => call(f.t, a.tokens.system, 'PATCH', `/fhir/Patient/${id}`, [{ op: 'add', path: '/active', value: true }], jsonPatch)),
      expectStatus('A.system: POST an Observation for the Patient it registered', [201], () => call(f.t, a.tokens.system, 'POST', '/fhir/Observation', { ...unchanged(f, 'observation'), id: undefined, identifier: undefined, subject: { reference: `Patient/${id}` } })),
      expectStatus('A.clinician: GET it (no episode with its team)', [404], () => call(f.t, a.tokens.clinician, 'GET', `/fhir/Patient/${id}`)),
      expectStatus('A.citizen: GET it', [404], () => call(f.t, a.tokens.citizen, 'GET', `/fhir/Patient/${id}`)),
      ...outsiders(f).map((p) => expectStatus(`${p.name}: GET it`, p.name === 'B.narrow' ? [403, 404] : [404], () => call(f.t, p.token, 'GET', `/fhir/Patient/${id}`))),
    ];
    // citizens are bound to their own patient; clinicians to their own organization's care teams
    probes.push(expectStatus('A.citizen app: token for B\'s patient', [400], () => requestToken(f.t, a.apps.citizen, 'patient/*.rs', { claims: { patient: `Patient/${f.b.ids.patient}` } }).then(toAnswer)));
    probes.push(expectStatus('A.citizen app: token for the Patient A just registered', [400], () => requestToken(f.t, a.apps.citizen, 'patient/*.rs', { claims: { patient: `Patient/${id}` } }).then(toAnswer)));
    probes.push(expectStatus('B.citizen app: token for A\'s patient', [400], () => requestToken(f.t, f.b.apps.citizen, 'patient/*.rs', { claims: { patient: `Patient/${a.ids.patient}` } }).then(toAnswer)));
    probes.push(expectStatus('B.citizen app: token with A\'s episode', [400], () => requestToken(f.t, f.b.apps.citizen, 'patient/*.rs', { claims: { patient: `Patient/${f.b.ids.patient}`, episode_of_care: `EpisodeOfCare/${a.ids.episode}` } }).then(toAnswer)));
    probes.push(
      expectStatus('B.clinician app: token in its own team naming A\'s episode', [400], () =>
        requestToken(f.t, f.b.apps.clinician, 'user/*.rs', { claims: { practitioner: `Practitioner/${f.b.ids.practitioner}`, care_team: `CareTeam/${f.b.ids.careTeam}`, episode_of_care: `EpisodeOfCare/${a.ids.episode}` } }).then(toAnswer)),
    );
    // a patient context claim must not tell B whether A's patient exists: the same answer as for an id that does not exist
    for (const [name, app, claims] of [
      ['B.clinician app: token in its own team (A\'s patient)', f.b.apps.clinician, { practitioner: `Practitioner/${f.b.ids.practitioner}`, care_team: `CareTeam/${f.b.ids.careTeam}` }],
      ['A.clinician app in its team (B\'s patient)', a.apps.clinician, { practitioner: `Practitioner/${a.ids.practitioner}`, care_team: `CareTeam/${a.ids.careTeam}` }],
    ] as const) {
      probes.push({
        name: `${name} naming the other tenant's patient vs a nonexistent patient (token endpoint)`,
        run: async () => {
          const token = async (patient: string) => toAnswer(await requestToken(f.t, app, 'user/*.rs', { claims: { ...claims, patient } }));
          const [hidden, missing] = [await token(`Patient/${name.startsWith('B') ? a.ids.patient : f.b.ids.patient}`), await token(`Patient/${nonCprUuid()}`)];
          return hidden.status === missing.status ? undefined : `the other tenant's patient answered ${hidden.status}, a nonexistent one ${missing.status}: ${hidden.body.slice(0, 160)} vs ${missing.body.slice(0, 160)}`;
        },
      });
    }
    probes.push(
      expectStatus('A.clinician app: token in A\'s other care team (it is no participant)', [400], () =>
        requestToken(f.t, a.apps.clinician, 'user/*.rs', { claims: { practitioner: `Practitioner/${a.ids.practitioner}`, care_team: `CareTeam/${a.otherTeam.careTeam}` } }).then(toAnswer)),
    );
    probes.push(
      expectStatus('B.clinician app: token in A\'s care team', [400], () =>
        requestToken(f.t, f.b.apps.clinician, 'user/*.rs', { claims: { practitioner: `Practitioner/${a.ids.practitioner}`, care_team: `CareTeam/${a.ids.careTeam}` } }).then(toAnswer)),
    );
    // a clinician token that names A's patient as its context (with patient/ scopes) still reaches only its care team's patients
    const patientScoped = await registerVendorApp(f.t, { kind: 'clinician', organization: `Organization/${f.b.org}`, scopes: ['patient/*.cruds', 'user/*.cruds'] });
    const withContext = await requestToken(f.t, patientScoped, 'patient/*.cruds', {
      claims: { practitioner: `Practitioner/${f.b.ids.practitioner}`, care_team: `CareTeam/${f.b.ids.careTeam}`, patient: `Patient/${a.ids.patient}` },
    });
    if (withContext.statusCode === 200) {
      const token = withContext.json().access_token as string;
      for (const key of HIDDEN_KEYS) {
        probes.push(expectStatus(`B clinician with patient context A: GET A.${key}`, [403, 404], () => call(f.t, token, 'GET', `/fhir/${a.types[key]}/${a.ids[key]}`)));
      }
      probes.push(expectStatus('B clinician with patient context A: GET Patient/{A}/$everything', [403, 404], () => call(f.t, token, 'GET', `/fhir/Patient/${a.ids.patient}/$everything`)));
      probes.push({
        name: 'B clinician with patient context A: GET Observation?subject=Patient/{A} finds nothing',
        run: async () => {
          const res = await call(f.t, token, 'GET', `/fhir/Observation?subject=Patient/${a.ids.patient}`);
          return res.status !== 200 || !(res.json().entry ?? []).some((e: { resource: { id: string } }) => f.hiddenIdsOfA.has(e.resource.id)) ? undefined : `found A's Observations`;
        },
      });
      probes.push(expectStatus('B clinician with patient context A: POST Observation for A\'s patient', [403, 404], () => call(f.t, token, 'POST', '/fhir/Observation', { ...unchanged(f, 'observation'), id: undefined, identifier: undefined })));
    }
    count += probes.length;
    report('reach', probes.length, await runProbes(probes, 1));
  });

  it('citizens write only Observation, QuestionnaireResponse, Media, Binary, Communication, DocumentReference, Provenance and Device in their own compartment', async () => {
    const a = f.a;
    const me = { reference: `Patient/${a.ids.patient}` };
    const them = { reference: `Patient/${f.b.ids.patient}` };
    const obsRef = { reference: `Observation/${a.ids.observation}` };
    const allowed: Record<string, (subject: { reference: string }) => object> = {
      Observation: (s) => ({ ...unchanged(f, 'observation'), ...WEIGHT, id: undefined, identifier: undefined, subject: s }),
      QuestionnaireResponse: (s) => ({ resourceType: 'QuestionnaireResponse', status: 'completed', subject: s, authored: '2026-05-02T08:00:00Z' }),
      Media: (s) => ({ resourceType: 'Media', status: 'completed', subject: s, content: { contentType: 'image/png', data: 'AAAA' } }),
      Binary: (s) => ({ resourceType: 'Binary', contentType: 'text/plain', data: 'AAAA', securityContext: s.reference === me.reference ? obsRef : { reference: `Observation/${f.b.ids.observation}` } }),
      Communication: (s) => ({ resourceType: 'Communication', status: 'completed', subject: s, payload: [{ contentString: 'hello' }] }),
      DocumentReference: (s) => ({ resourceType: 'DocumentReference', status: 'current', subject: s, content: [{ attachment: { contentType: 'text/plain', data: 'AAAA' } }] }),
      Provenance: (s) => ({ resourceType: 'Provenance', recorded: '2026-05-02T08:00:00Z', target: [s.reference === me.reference ? obsRef : { reference: `Observation/${f.b.ids.observation}` }], agent: [{ who: s }] }),
      Device: (s) => ({ resourceType: 'Device', patient: s, deviceName: [{ name: 'Scale', type: 'user-friendly-name' }] }),
    };
    const refused: Record<string, object> = {
      CarePlan: { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: me },
      ServiceRequest: { resourceType: 'ServiceRequest', status: 'active', intent: 'order', subject: me },
      Task: { resourceType: 'Task', status: 'requested', intent: 'order', for: me },
      Condition: { resourceType: 'Condition', subject: me, code: { text: 'KOL' } },
      Goal: { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: 'x' }, subject: me },
      ClinicalImpression: { resourceType: 'ClinicalImpression', status: 'completed', subject: me },
      Consent: { resourceType: 'Consent', status: 'active', scope: { text: 'x' }, category: [{ text: 'x' }], patient: me, policyRule: { text: 'x' } },
      Patient: { resourceType: 'Patient', name: [{ family: 'Self' }] },
      Organization: { resourceType: 'Organization', name: 'Mine' },
      Practitioner: { resourceType: 'Practitioner', name: [{ family: 'Me' }] },
      AuditEvent: { resourceType: 'AuditEvent', type: { code: 'rest' }, recorded: '2026-05-02T08:00:00Z', agent: [{ requestor: true }], source: { observer: { display: 'x' } } },
      Bundle: { resourceType: 'Bundle', type: 'collection' },
    };
    const probes: Probe[] = [];
    for (const [type, body] of Object.entries(allowed)) {
      probes.push(expectStatus(`A.citizen: POST ${type} in its own compartment (positive)`, [201], () => call(f.t, a.tokens.citizen, 'POST', `/fhir/${type}`, body(me))));
      probes.push(expectStatus(`A.citizen: POST ${type} for B's patient`, [403], () => call(f.t, a.tokens.citizen, 'POST', `/fhir/${type}`, body(them))));
      probes.push(expectStatus(`A.citizen: transaction POST ${type} for B's patient`, [403], () => batchStatus(a.tokens.citizen, 'transaction', [{ request: { method: 'POST', url: type }, resource: body(them) }])));
    }
    for (const [type, body] of Object.entries(refused)) {
      probes.push(expectStatus(`A.citizen: POST ${type}`, [403], () => call(f.t, a.tokens.citizen, 'POST', `/fhir/${type}`, body)));
      probes.push(expectStatus(`A.citizen: batch POST ${type}`, [403], () => batchStatus(a.tokens.citizen, 'batch', [{ request: { method: 'POST', url: type }, resource: body }])));
    }
    probes.push(expectStatus('A.citizen: PUT its own Patient', [403], () => call(f.t, a.tokens.citizen, 'PUT', `/fhir/Patient/${a.ids.patient}`, { ...unchanged(f, 'patient'), gender: 'other' })));
    probes.push(expectStatus('A.citizen: PATCH its own Patient', [403], () => call(f.t, a.tokens.citizen, 'PATCH', `/fhir/Patient/${a.ids.patient}`, [{ op: 'add', path: '/gender', value: 'other' }], jsonPatch)));
    probes.push(expectStatus('A.citizen: PUT its ServiceRequest (thresholds)', [403], () => call(f.t, a.tokens.citizen, 'PUT', `/fhir/ServiceRequest/${a.ids.serviceRequest}`, { ...unchanged(f, 'serviceRequest'), extension: undefined })));
    probes.push(expectStatus('A.citizen: DELETE its Task', [403], () => call(f.t, a.tokens.citizen, 'DELETE', `/fhir/Task/${a.ids.task}`)));
    count += probes.length;
    report('citizen write', probes.length, await runProbes(probes, 6));
  });

  it('AuditEvent is read-only over the API for everyone', async () => {
    await drainAudit(f.t);
    const found = await call(f.t, f.a.tokens.system, 'GET', `/fhir/AuditEvent?patient=Patient/${f.a.ids.patient}&_count=1`);
    const event = found.json().entry?.[0]?.resource as { id: string } | undefined;
    const body = { resourceType: 'AuditEvent', type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' }, recorded: '2026-05-02T08:00:00Z', agent: [{ requestor: true }], source: { observer: { display: 'x' } } };
    const probes: Probe[] = [expectStatus('an AuditEvent about A\'s patient exists for A.system to find', [200], async () => (event ? found : { ...found, status: 0 }))];
    for (const c of [...staff(), { name: 'operator', token: f.operatorToken }, { name: 'B.narrow', token: f.b.tokens.narrow }]) {
      probes.push(expectStatus(`${c.name}: POST AuditEvent`, [403, 405], () => call(f.t, c.token, 'POST', '/fhir/AuditEvent', body)));
      probes.push(expectStatus(`${c.name}: batch POST AuditEvent`, [403, 405], () => batchStatus(c.token, 'batch', [{ request: { method: 'POST', url: 'AuditEvent' }, resource: body }])));
      if (event) {
        probes.push(expectStatus(`${c.name}: PUT AuditEvent/{id}`, [403, 404, 405], () => call(f.t, c.token, 'PUT', `/fhir/AuditEvent/${event.id}`, { ...event, outcome: '0' })));
        probes.push(expectStatus(`${c.name}: PATCH AuditEvent/{id}`, [403, 404, 405], () => call(f.t, c.token, 'PATCH', `/fhir/AuditEvent/${event.id}`, [{ op: 'add', path: '/outcome', value: '0' }], jsonPatch)));
        // a client that may not see the event gets the "nothing changed" of an unknown id; the event must stay as it was
        probes.push({
          name: `${c.name}: DELETE AuditEvent/{id}`,
          run: async () => {
            const res = await call(f.t, c.token, 'DELETE', `/fhir/AuditEvent/${event.id}`);
            if ([403, 404, 405].includes(res.status) || (res.status === 200 && res.body.includes('nothing changed'))) return undefined;
            return `expected a refusal or "nothing changed", got ${res.status} ${res.body.slice(0, 200)}`;
          },
        });
      }
    }
    const eventBefore = event ? await versionsOf(f.t, [event.id]) : {};
    const failures = await runProbes(probes, 6);
    if (event) {
      const after = await versionsOf(f.t, [event.id]);
      if (JSON.stringify(after) !== JSON.stringify(eventBefore)) failures.push(`AuditEvent/${event.id} changed: ${JSON.stringify(eventBefore)} → ${JSON.stringify(after)}`);
    }
    count += probes.length + 1;
    report('audit', probes.length + 1, failures);
  });

  it('nothing of A\'s changed (versions straight from the database)', async () => {
    expect(await versionsOf(f.t, [...watched(), ...Object.values(f.defs).filter((d) => d !== f.defs.controlActivityDefinition).map((d) => d.id)])).toEqual(before);
  });
});

function toAnswer(res: { statusCode: number; body: string; headers: Record<string, unknown> }): Answer {
  return { status: res.statusCode, body: res.body, headers: res.headers, json: () => JSON.parse(res.body) };
}
