import { nonCprUuid } from '../../support/ids';
import {
  buildFixture,
  call,
  differs,
  DIRECTORY_KEYS,
  HIDDEN_KEYS,
  PATIENT_PATHS,
  outsiders,
  probersFor,
  patches,
  patchResource,
  PROBE_SYSTEM,
  protectedIds,
  report,
  retarget,
  runProbes,
  unchanged,
  versionsOf,
  WEIGHT,
  type Answer,
  type Fixture,
  type HiddenKey,
  type Probe,
  missingId as newMissingId,
} from './tenants';

/**
 * Issue 12, cross-tenant probes, writes by id: every outsider of municipality A × every kind of
 * A's resources × PUT moving the resource to B, PUT unchanged, PUT with If-Match, PATCH (JSON
 * Patch and FHIRPath Patch, harmless and moving), DELETE — each answered exactly like the same
 * request for an id that does not exist, and nothing of A's changes. A's directory entries
 * (visible to B) are refused outright. A deleted resource of A answers like a nonexistent one
 * too. Positive controls: A's own clients do update, patch and delete their own data.
 */

describe('cross-tenant probes: writes by id', () => {
  let f: Fixture;
  let before: Record<string, string>;
  let deleted = '';
  let registered = '';
  let deletedPatient = '';
  let count = 0;

  beforeAll(async () => {
    f = await buildFixture();
    // A deleted Observation of A (judged by its last version: still A's patient's)
    const obs = { ...unchanged(f, 'observation'), id: undefined, identifier: undefined };
    deleted = (await call(f.t, f.a.tokens.system, 'POST', '/fhir/Observation', obs)).json().id;
    const gone = await call(f.t, f.a.tokens.system, 'DELETE', `/fhir/Observation/${deleted}`);
    if (gone.status >= 300) throw new Error(`A could not delete its own Observation: ${gone.status} ${gone.body}`);
    f.labels.set(deleted, '<A:deletedObservation>');
    f.hiddenIdsOfA.add(deleted);
    // A Patient A's system client registered (no episode yet: reached by A's system client alone), and one it registered and deleted
    registered = (await call(f.t, f.a.tokens.system, 'POST', '/fhir/Patient', { resourceType: 'Patient', name: [{ family: `Registered-${nonCprUuid().slice(0, 8)}` }], gender: 'male' })).json().id;
    deletedPatient = (await call(f.t, f.a.tokens.system, 'POST', '/fhir/Patient', { resourceType: 'Patient', name: [{ family: `Gone-${nonCprUuid().slice(0, 8)}` }], gender: 'male' })).json().id;
    const gonePatient = await call(f.t, f.a.tokens.system, 'DELETE', `/fhir/Patient/${deletedPatient}`);
    if (gonePatient.status >= 300) throw new Error(`A could not delete the Patient it registered: ${gonePatient.status} ${gonePatient.body}`);
    for (const [id, label] of [[registered, '<A:registeredPatient>'], [deletedPatient, '<A:deletedPatient>']]) {
      f.labels.set(id, label);
      f.hiddenIdsOfA.add(id);
    }
    before = await versionsOf(f.t, [...protectedIds(f), deleted, registered, deletedPatient, ...HIDDEN_KEYS.map((k) => f.b.ids[k])]);
  });
  afterAll(async () => {
    console.log(`tenant-probes-write: ${count} probes`);
    await f.t.close();
  });

  /** Hidden vs nonexistent: same answer; never a success except for DELETE ("nothing changed", as for an unknown id). */
  const pair = (name: string, hiddenId: string, build: (id: string) => Promise<Answer>, want?: number): Probe => ({
    name,
    run: async () => {
      const missingId = newMissingId();
      const hidden = await build(hiddenId);
      const missing = await build(missingId);
      if (hidden.status < 300 && !name.includes(': DELETE ')) return `answered ${hidden.status} for A's resource: ${hidden.body.slice(0, 200)}`;
      if (want !== undefined && hidden.status !== want) return `expected ${want} (as for an unknown id), got ${hidden.status} ${hidden.body.slice(0, 200)}`;
      return differs(f, hidden, missing, hiddenId, missingId);
    },
  });

  it('PUT, PATCH and DELETE of A\'s hidden resources answer like nonexistent ids and change nothing', async () => {
    const probes: Probe[] = [];
    for (const key of HIDDEN_KEYS) {
      const type = f.a.types[key];
      const id = f.a.ids[key];
      const probers = probersFor(f, key);
      for (const p of probers) {
        const at = `${p.name} → A.${key}`;
        const moved = retarget(f, key);
        const same = unchanged(f, key);
        // what an unknown id answers: 412 for If-Match, 404 for PATCH, 200 "nothing changed" for DELETE (403 without a write scope)
        const [preconditionFailed, notFound, nothingChanged] = p.writes ? [412, 404, 200] : [403, 403, 403];
        probes.push(pair(`${at}: PUT ${type}/{id} moved to B`, id, (x) => call(f.t, p.token, 'PUT', `/fhir/${type}/${x}`, { ...moved, id: x })));
        probes.push(pair(`${at}: PUT ${type}/{id} unchanged`, id, (x) => call(f.t, p.token, 'PUT', `/fhir/${type}/${x}`, { ...same, id: x })));
        probes.push(pair(`${at}: PUT ${type}/{id} If-Match W/"1"`, id, (x) => call(f.t, p.token, 'PUT', `/fhir/${type}/${x}`, { ...moved, id: x }, { 'if-match': 'W/"1"' }), preconditionFailed));
        probes.push(pair(`${at}: PUT ${type}/{id} If-Match W/"7"`, id, (x) => call(f.t, p.token, 'PUT', `/fhir/${type}/${x}`, { ...same, id: x }, { 'if-match': 'W/"7"' }), preconditionFailed));
        for (const patch of patches(f, key)) {
          probes.push(pair(`${at}: PATCH ${type}/{id} ${patch.name}`, id, (x) => call(f.t, p.token, 'PATCH', `/fhir/${type}/${x}`, patch.body, { 'content-type': patch.contentType }), notFound));
          probes.push(
            pair(`${at}: PATCH ${type}/{id} ${patch.name} If-Match W/"1"`, id, (x) =>
              call(f.t, p.token, 'PATCH', `/fhir/${type}/${x}`, patch.body, { 'content-type': patch.contentType, 'if-match': 'W/"1"' })),
          );
        }
        probes.push(pair(`${at}: DELETE ${type}/{id}`, id, (x) => call(f.t, p.token, 'DELETE', `/fhir/${type}/${x}`), nothingChanged));
        probes.push(pair(`${at}: DELETE ${type}/{id} If-Match W/"1"`, id, (x) => call(f.t, p.token, 'DELETE', `/fhir/${type}/${x}`, undefined, { 'if-match': 'W/"1"' })));
      }
    }
    count += probes.length;
    report('write', probes.length, await runProbes(probes, 8));
  }, 180_000);

  it('writes pointing B\'s data (or anyone\'s) into A\'s compartment answer like pointing at a patient that does not exist', async () => {
    const b = f.b;
    const probes: Probe[] = [];
    const set = (resource: Record<string, unknown>, pointer: string, value: string) => {
      const copy = JSON.parse(JSON.stringify(resource)) as Record<string, unknown>;
      const parts = pointer.split('/').slice(1);
      let node = copy as Record<string, unknown>;
      for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
      node[parts[parts.length - 1]] = value;
      return copy;
    };
    for (const [key, path] of Object.entries(PATIENT_PATHS) as Array<[HiddenKey, NonNullable<(typeof PATIENT_PATHS)[HiddenKey]>]>) {
      if (key === 'observationByCitizen') continue;
      const type = f.a.types[key];
      const intoObservation = key === 'provenance' || key === 'binary';
      const hidden = intoObservation ? f.a.ids.observation : f.a.ids.patient;
      const ref = (x: string) => (intoObservation ? `Observation/${x}` : `Patient/${x}`);
      const fresh = { ...(f.b.resources[key] as unknown as Record<string, unknown>), id: undefined, meta: undefined, identifier: undefined };
      for (const p of [...outsiders(f).filter((o) => o.writes), { name: 'A.otherTeamClinician', token: f.a.otherTeam.token, writes: true }]) {
        const at = `${p.name}: ${type} pointing at ${intoObservation ? 'A.observation' : 'A.patient'}`;
        probes.push(pair(`${at}: POST`, hidden, (x) => call(f.t, p.token, 'POST', `/fhir/${type}`, set(fresh, path.pointer, ref(x)))));
        probes.push(pair(`${at}: POST If-None-Exist`, hidden, (x) => call(f.t, p.token, 'POST', `/fhir/${type}`, set(fresh, path.pointer, ref(x)), { 'if-none-exist': `_id=${nonCprUuid()}` })));
        probes.push(
          pair(`${at}: transaction POST`, hidden, (x) =>
            call(f.t, p.token, 'POST', '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: type }, resource: set(fresh, path.pointer, ref(x)) }] })),
        );
        probes.push(
          pair(`${at}: batch POST`, hidden, async (x) => {
            const res = await call(f.t, p.token, 'POST', '/fhir', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'POST', url: type }, resource: set(fresh, path.pointer, ref(x)) }] });
            const entry = res.json().entry?.[0];
            return { ...res, status: Number(String(entry?.response?.status ?? res.status).slice(0, 3)), body: JSON.stringify(entry ?? res.json()) };
          }),
        );
        // B's own resource pulled over to A's patient
        if (p.name.startsWith('B.')) {
          const mine = { ...(f.b.resources[key] as unknown as Record<string, unknown>), meta: undefined };
          probes.push(pair(`${at}: PUT B's own ${type}`, hidden, (x) => call(f.t, p.token, 'PUT', `/fhir/${type}/${b.ids[key]}`, set(mine, path.pointer, ref(x)))));
          probes.push(pair(`${at}: PATCH B's own ${type} (JSON Patch)`, hidden, (x) => call(f.t, p.token, 'PATCH', `/fhir/${type}/${b.ids[key]}`, [{ op: 'replace', path: path.pointer, value: ref(x) }], { 'content-type': 'application/json-patch+json' })));
          if (key === 'observation') {
            probes.push(
              pair(`${at}: PATCH B's own Observation adding performer`, hidden, (x) =>
                call(f.t, p.token, 'PATCH', `/fhir/Observation/${b.ids.observation}`, [{ op: 'add', path: '/performer', value: [{ reference: ref(x) }] }], { 'content-type': 'application/json-patch+json' })),
            );
          }
        }
      }
    }
    count += probes.length;
    report('pointing into A', probes.length, await runProbes(probes, 6));
  }, 120_000);

  it('pointers with several targets or other target types answer like pointers at nothing', async () => {
    const a = f.a;
    const b = f.b;
    const probes: Probe[] = [];
    const shapes: Array<{ name: string; hidden: string; body: (x: string) => object }> = [
      {
        name: 'Provenance targeting B\'s Observation and A\'s',
        hidden: a.ids.observation,
        body: (x) => ({ resourceType: 'Provenance', target: [{ reference: `Observation/${b.ids.observation}` }, { reference: `Observation/${x}` }], recorded: '2026-05-02T08:00:00Z', agent: [{ who: { reference: `Organization/${b.org}` } }] }),
      },
      {
        name: 'Provenance targeting A\'s Observation version 1',
        hidden: a.ids.observation,
        body: (x) => ({ resourceType: 'Provenance', target: [{ reference: `Observation/${x}/_history/1` }], recorded: '2026-05-02T08:00:00Z', agent: [{ who: { reference: `Organization/${b.org}` } }] }),
      },
      { name: 'Binary with securityContext A\'s Patient', hidden: a.ids.patient, body: (x) => ({ resourceType: 'Binary', contentType: 'text/plain', data: 'AAAA', securityContext: { reference: `Patient/${x}` } }) },
      { name: 'Binary with securityContext A\'s Task', hidden: a.ids.task, body: (x) => ({ resourceType: 'Binary', contentType: 'text/plain', data: 'AAAA', securityContext: { reference: `Task/${x}` } }) },
      { name: 'Binary with securityContext A\'s Observation version 1', hidden: a.ids.observation, body: (x) => ({ resourceType: 'Binary', contentType: 'text/plain', data: 'AAAA', securityContext: { reference: `Observation/${x}/_history/1` } }) },
      { name: 'Device of A\'s patient', hidden: a.ids.patient, body: (x) => ({ resourceType: 'Device', patient: { reference: `Patient/${x}` } }) },
      // references written as absolute URLs of this server, and versioned subjects, name the same patient
      ...(['http://kolibri.test/fhir/Patient/', 'Patient/'] as const).flatMap((prefix) => [
        {
          name: `Observation with subject ${prefix}<A>${prefix.startsWith('http') ? '' : '/_history/1'}`,
          hidden: a.ids.patient,
          body: (x: string) => ({ resourceType: 'Observation', status: 'final', code: { text: 'SpO2' }, subject: { reference: prefix.startsWith('http') ? `${prefix}${x}` : `${prefix}${x}/_history/1` } }),
        },
      ]),
      { name: 'Binary with securityContext http://kolibri.test/fhir/Patient/<A>', hidden: a.ids.patient, body: (x) => ({ resourceType: 'Binary', contentType: 'text/plain', data: 'AAAA', securityContext: { reference: `http://kolibri.test/fhir/Patient/${x}` } }) },
      {
        name: 'Provenance targeting http://kolibri.test/fhir/Observation/<A>',
        hidden: a.ids.observation,
        body: (x) => ({ resourceType: 'Provenance', target: [{ reference: `http://kolibri.test/fhir/Observation/${x}` }], recorded: '2026-05-02T08:00:00Z', agent: [{ who: { reference: `Organization/${b.org}` } }] }),
      },
      // other ways into A's Patient compartment (R4 CompartmentDefinition patient): link, member, recipient, actor, …
      { name: 'Patient (new) linked to A\'s patient', hidden: a.ids.patient, body: (x) => ({ resourceType: 'Patient', name: [{ family: 'Linked' }], link: [{ other: { reference: `Patient/${x}` }, type: 'seealso' }] }) },
      { name: 'Group with A\'s patient as member', hidden: a.ids.patient, body: (x) => ({ resourceType: 'Group', type: 'person', actual: true, member: [{ entity: { reference: `Patient/${x}` } }] }) },
      { name: 'CareTeam of B with A\'s patient as subject', hidden: a.ids.patient, body: (x) => ({ resourceType: 'CareTeam', status: 'active', name: 'x', subject: { reference: `Patient/${x}` }, managingOrganization: [{ reference: `Organization/${b.org}` }] }) },
      {
        name: 'Communication about B\'s patient sent to A\'s patient',
        hidden: a.ids.patient,
        body: (x) => ({ resourceType: 'Communication', status: 'completed', subject: { reference: `Patient/${b.ids.patient}` }, recipient: [{ reference: `Patient/${x}` }], payload: [{ contentString: 'hi' }] }),
      },
      { name: 'Appointment with A\'s patient as actor', hidden: a.ids.patient, body: (x) => ({ resourceType: 'Appointment', status: 'proposed', participant: [{ actor: { reference: `Patient/${x}` }, status: 'needs-action' }] }) },
      { name: 'List about A\'s patient', hidden: a.ids.patient, body: (x) => ({ resourceType: 'List', status: 'current', mode: 'working', subject: { reference: `Patient/${x}` } }) },
      { name: 'Flag on A\'s patient', hidden: a.ids.patient, body: (x) => ({ resourceType: 'Flag', status: 'active', code: { text: 'x' }, subject: { reference: `Patient/${x}` } }) },
      { name: 'RelatedPerson of A\'s patient', hidden: a.ids.patient, body: (x) => ({ resourceType: 'RelatedPerson', patient: { reference: `Patient/${x}` } }) },
      // a bare id is read as the parameter's only target type (Patient here), so it names the same patient
      { name: 'RelatedPerson of A\'s patient by bare id', hidden: a.ids.patient, body: (x) => ({ resourceType: 'RelatedPerson', patient: { reference: x } }) },
      { name: 'AllergyIntolerance of A\'s patient by bare id', hidden: a.ids.patient, body: (x) => ({ resourceType: 'AllergyIntolerance', patient: { reference: x } }) },
      { name: 'Person linked to A\'s patient', hidden: a.ids.patient, body: (x) => ({ resourceType: 'Person', link: [{ target: { reference: `Patient/${x}` } }] }) },
      { name: 'Observation with performer Patient/<A> (subject B)', hidden: a.ids.patient, body: (x) => ({ resourceType: 'Observation', status: 'final', code: { text: 'SpO2' }, subject: { reference: `Patient/${b.ids.patient}` }, performer: [{ reference: `Patient/${x}` }] }) },
    ];
    for (const p of [...outsiders(f).filter((o) => o.writes), { name: 'A.otherTeamClinician', token: f.a.otherTeam.token, writes: true }]) {
      for (const shape of shapes) {
        const type = (shape.body('x') as { resourceType: string }).resourceType;
        probes.push(pair(`${p.name}: POST ${shape.name}`, shape.hidden, (x) => call(f.t, p.token, 'POST', `/fhir/${type}`, shape.body(x))));
        probes.push(
          pair(`${p.name}: transaction POST ${shape.name}`, shape.hidden, (x) =>
            call(f.t, p.token, 'POST', '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: type }, resource: shape.body(x) }] })),
        );
      }
    }
    count += probes.length;
    report('pointer', probes.length, await runProbes(probes, 6));
  }, 120_000);

  it('A\'s deleted Observation answers every outsider like one that never existed', async () => {
    const probes: Probe[] = [];
    const moved = retarget(f, 'observation');
    for (const p of outsiders(f)) {
      const at = `${p.name} → A.deletedObservation`;
      probes.push(pair(`${at}: GET Observation/{id}`, deleted, (x) => call(f.t, p.token, 'GET', `/fhir/Observation/${x}`)));
      probes.push(pair(`${at}: GET Observation/{id}/_history/1`, deleted, (x) => call(f.t, p.token, 'GET', `/fhir/Observation/${x}/_history/1`)));
      probes.push(pair(`${at}: GET Observation/{id}/_history/2`, deleted, (x) => call(f.t, p.token, 'GET', `/fhir/Observation/${x}/_history/2`)));
      probes.push(pair(`${at}: GET Observation/{id}/_history`, deleted, (x) => call(f.t, p.token, 'GET', `/fhir/Observation/${x}/_history`)));
      for (const patch of patches(f, 'observation')) {
        probes.push(pair(`${at}: PATCH Observation/{id} ${patch.name}`, deleted, (x) => call(f.t, p.token, 'PATCH', `/fhir/Observation/${x}`, patch.body, { 'content-type': patch.contentType }), p.writes ? 404 : 403));
      }
      probes.push(pair(`${at}: PUT Observation/{id} moved to B`, deleted, (x) => call(f.t, p.token, 'PUT', `/fhir/Observation/${x}`, { ...moved, id: x })));
      probes.push(pair(`${at}: DELETE Observation/{id}`, deleted, (x) => call(f.t, p.token, 'DELETE', `/fhir/Observation/${x}`)));
    }
    count += probes.length;
    report('deleted', probes.length, await runProbes(probes, 8));
  }, 120_000);

  it('Patients A registered (one live without an episode, one deleted) answer every outsider like ids that never existed', async () => {
    const probes: Probe[] = [];
    const others = [...outsiders(f), { name: 'A.clinician', token: f.a.tokens.clinician, writes: true }, { name: 'A.citizen', token: f.a.tokens.citizen, writes: true }];
    for (const [label, id] of [['registeredPatient', registered], ['deletedPatient', deletedPatient]] as const) {
      for (const p of others) {
        const at = `${p.name} → A.${label}`;
        const [notFound, nothingChanged] = p.writes ? [404, 200] : [403, 403];
        probes.push(pair(`${at}: GET Patient/{id}`, id, (x) => call(f.t, p.token, 'GET', `/fhir/Patient/${x}`), p.name === 'B.narrow' ? 403 : 404));
        probes.push(pair(`${at}: GET Patient/{id}/_history/1`, id, (x) => call(f.t, p.token, 'GET', `/fhir/Patient/${x}/_history/1`), p.name === 'B.narrow' ? 403 : 404));
        probes.push(pair(`${at}: GET Patient/{id}/_history`, id, (x) => call(f.t, p.token, 'GET', `/fhir/Patient/${x}/_history`), p.name === 'B.narrow' ? 403 : 404));
        probes.push(pair(`${at}: PATCH Patient/{id}`, id, (x) => call(f.t, p.token, 'PATCH', `/fhir/Patient/${x}`, [{ op: 'add', path: '/active', value: false }], { 'content-type': 'application/json-patch+json' }), notFound));
        probes.push(pair(`${at}: PUT Patient/{id}`, id, (x) => call(f.t, p.token, 'PUT', `/fhir/Patient/${x}`, { resourceType: 'Patient', id: x, name: [{ family: 'Taken' }] })));
        probes.push(pair(`${at}: DELETE Patient/{id}`, id, (x) => call(f.t, p.token, 'DELETE', `/fhir/Patient/${x}`), nothingChanged));
        probes.push(pair(`${at}: GET Patient/{id}/$everything`, id, (x) => call(f.t, p.token, 'GET', `/fhir/Patient/${x}/$everything`)));
        probes.push(pair(`${at}: POST Observation for Patient/{id}`, id, (x) => call(f.t, p.token, 'POST', '/fhir/Observation', { resourceType: 'Observation', status: 'final', code: { text: 'SpO2' }, subject: { reference: `Patient/${x}` } })));
      }
    }
    count += probes.length;
    report('registered patient', probes.length, await runProbes(probes, 6));
  }, 120_000);

  it('A\'s directory entries (visible to B) are refused to every outsider', async () => {
    const probes: Probe[] = [];
    for (const key of DIRECTORY_KEYS) {
      const type = f.a.types[key];
      const id = f.a.ids[key];
      for (const p of outsiders(f)) {
        if (p.name === 'operator' && key === 'organization') continue; // the operator keeps the Organization directory
        const at = `${p.name} → A.${key}`;
        const refused = (name: string, run: () => Promise<Answer>): Probe => ({
          name: `${at}: ${name}`,
          run: async () => {
            const res = await run();
            return res.status >= 400 && res.status < 500 ? undefined : `expected a 4xx refusal, got ${res.status} ${res.body.slice(0, 200)}`;
          },
        });
        probes.push(refused(`PUT ${type}/{id} moved to B`, () => call(f.t, p.token, 'PUT', `/fhir/${type}/${id}`, retarget(f, key))));
        probes.push(refused(`PUT ${type}/{id} unchanged`, () => call(f.t, p.token, 'PUT', `/fhir/${type}/${id}`, unchanged(f, key))));
        for (const patch of patches(f, key)) probes.push(refused(`PATCH ${type}/{id} ${patch.name}`, () => call(f.t, p.token, 'PATCH', `/fhir/${type}/${id}`, patch.body, { 'content-type': patch.contentType })));
        if (key === 'careTeam') {
          const join = [{ op: 'add', path: '/participant/-', value: { member: { reference: `Practitioner/${f.b.ids.practitioner}` } } }];
          probes.push(refused('PATCH CareTeam/{id} adding B\'s practitioner', () => call(f.t, p.token, 'PATCH', `/fhir/CareTeam/${id}`, join, { 'content-type': 'application/json-patch+json' })));
          const org = [{ op: 'add', path: '/managingOrganization/-', value: { reference: `Organization/${f.b.org}` } }];
          probes.push(refused('PATCH CareTeam/{id} adding B as managing organization', () => call(f.t, p.token, 'PATCH', `/fhir/CareTeam/${id}`, org, { 'content-type': 'application/json-patch+json' })));
        }
        probes.push(refused(`DELETE ${type}/{id}`, () => call(f.t, p.token, 'DELETE', `/fhir/${type}/${id}`)));
      }
    }
    count += probes.length;
    report('directory write', probes.length, await runProbes(probes, 8));
  }, 120_000);

  it('A\'s own clients may not move A\'s data to B\'s patient (the result is authorized, not only the pre-image)', async () => {
    const a = f.a;
    const b = f.b;
    const probes: Probe[] = [];
    const toB = `Patient/${b.ids.patient}`;
    const jsonPatch = { 'content-type': 'application/json-patch+json' };
    const fhirPathMove = { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Observation.subject' }, { name: 'value', valueReference: { reference: toB } }] }] };
    const shapes: Array<{ name: string; run: (token: string, o: { id: string; body: Record<string, unknown>; value: string }) => Promise<Answer> }> = [
      { name: 'PUT', run: (token, o) => call(f.t, token, 'PUT', `/fhir/Observation/${o.id}`, { ...o.body, meta: undefined, subject: { reference: toB } }) },
      { name: 'PATCH replace /subject/reference', run: (token, o) => call(f.t, token, 'PATCH', `/fhir/Observation/${o.id}`, [{ op: 'replace', path: '/subject/reference', value: toB }], jsonPatch) },
      { name: 'PATCH replace /subject', run: (token, o) => call(f.t, token, 'PATCH', `/fhir/Observation/${o.id}`, [{ op: 'replace', path: '/subject', value: { reference: toB } }], jsonPatch) },
      { name: 'PATCH add /performer', run: (token, o) => call(f.t, token, 'PATCH', `/fhir/Observation/${o.id}`, [{ op: 'add', path: '/performer', value: [{ reference: toB }] }], jsonPatch) },
      { name: 'PATCH copy of a B reference via test+replace', run: (token, o) => call(f.t, token, 'PATCH', `/fhir/Observation/${o.id}`, [{ op: 'test', path: '/status', value: 'final' }, { op: 'replace', path: '/subject/reference', value: toB }], jsonPatch) },
      { name: 'FHIRPath PATCH replace Observation.subject', run: (token, o) => call(f.t, token, 'PATCH', `/fhir/Observation/${o.id}`, fhirPathMove) },
      { name: 'conditional PUT by identifier', run: (token, o) => call(f.t, token, 'PUT', `/fhir/Observation?identifier=${encodeURIComponent(`${PROBE_SYSTEM}|${o.value}`)}`, { ...o.body, id: undefined, meta: undefined, subject: { reference: toB } }) },
      { name: 'conditional PATCH by _id', run: (token, o) => call(f.t, token, 'PATCH', `/fhir/Observation?_id=${o.id}`, [{ op: 'replace', path: '/subject/reference', value: toB }], jsonPatch) },
      {
        name: 'transaction PUT',
        run: (token, o) => call(f.t, token, 'POST', '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PUT', url: `Observation/${o.id}` }, resource: { ...o.body, meta: undefined, subject: { reference: toB } } }] }),
      },
      {
        name: 'transaction PATCH (FHIRPath)',
        run: (token, o) => call(f.t, token, 'POST', '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PATCH', url: `Observation/${o.id}` }, resource: fhirPathMove }] }),
      },
      {
        name: 'batch PATCH (JSON Patch)',
        run: async (token, o) => {
          const res = await call(f.t, token, 'POST', '/fhir', {
            resourceType: 'Bundle',
            type: 'batch',
            entry: [{ request: { method: 'PATCH', url: `Observation/${o.id}` }, resource: patchResource({ contentType: 'application/json-patch+json', body: [{ op: 'replace', path: '/subject/reference', value: toB }] }) }],
          });
          return { ...res, status: Number(String(res.json().entry?.[0]?.response?.status ?? res.status).slice(0, 3)) };
        },
      },
    ];
    for (const [name, token] of [['A.system', a.tokens.system], ['A.clinician', a.tokens.clinician], ['A.citizen', a.tokens.citizen]] as const) {
      for (const shape of shapes) {
        probes.push({
          name: `${name}: ${shape.name} of its own Observation to B's patient`,
          run: async () => {
            const value = `a-own-${nonCprUuid()}`;
            const made = await call(f.t, token, 'POST', '/fhir/Observation', { ...unchanged(f, 'observation'), ...WEIGHT, id: undefined, identifier: [{ system: PROBE_SYSTEM, value }] });
            if (made.status !== 201) return `could not create its own Observation: ${made.status}`;
            const o = { id: made.json().id as string, body: made.json() as Record<string, unknown>, value };
            const res = await shape.run(token, o);
            const after = await versionsOf(f.t, [o.id]);
            if (res.status !== 403) return `expected 403, got ${res.status} ${res.body.slice(0, 200)}`;
            return after[`Observation/${o.id}`] === 'v1' ? undefined : `the Observation changed: ${JSON.stringify(after)}`;
          },
        });
      }
    }
    count += probes.length;
    report('move own data', probes.length, await runProbes(probes, 6));
  }, 120_000);

  it('positive controls: A\'s own clients update, patch and delete their own data', async () => {
    const a = f.a;
    const own = async (token: string) => {
      const body = { ...unchanged(f, 'observation'), ...WEIGHT, id: undefined, identifier: undefined };
      const res = await call(f.t, token, 'POST', '/fhir/Observation', body);
      if (res.status !== 201) throw new Error(`create answered ${res.status} ${res.body.slice(0, 200)}`);
      return res.json() as { id: string };
    };
    const probes: Probe[] = [];
    const expectStatus = (name: string, want: number[], run: () => Promise<Answer>): Probe => ({
      name,
      run: async () => {
        const res = await run();
        return want.includes(res.status) ? undefined : `expected ${want.join('/')}, got ${res.status} ${res.body.slice(0, 200)}`;
      },
    });
    for (const [name, token] of [['A.system', a.tokens.system], ['A.clinician', a.tokens.clinician], ['A.citizen', a.tokens.citizen]] as const) {
      probes.push(
        expectStatus(`${name} PUTs its patient's Observation`, [200], async () => {
          const o = await own(token);
          return call(f.t, token, 'PUT', `/fhir/Observation/${o.id}`, { ...o, status: 'amended' });
        }),
      );
      probes.push(
        expectStatus(`${name} PATCHes its patient's Observation (JSON Patch)`, [200], async () => {
          const o = await own(token);
          return call(f.t, token, 'PATCH', `/fhir/Observation/${o.id}`, [{ op: 'replace', path: '/status', value: 'amended' }], { 'content-type': 'application/json-patch+json' });
        }),
      );
      probes.push(
        expectStatus(`${name} PATCHes its patient's Observation (FHIRPath Patch)`, [200], async () => {
          const o = await own(token);
          const body = { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Observation.status' }, { name: 'value', valueCode: 'amended' }] }] };
          return call(f.t, token, 'PATCH', `/fhir/Observation/${o.id}`, body);
        }),
      );
      probes.push(
        expectStatus(`${name} DELETEs its patient's Observation`, [200, 204], async () => {
          const o = await own(token);
          return call(f.t, token, 'DELETE', `/fhir/Observation/${o.id}`);
        }),
      );
    }
    probes.push(
      expectStatus('A.system PUTs its own CareTeam (name changed)', [200], async () => {
        const team = await call(f.t, a.tokens.system, 'POST', '/fhir/CareTeam', { ...unchanged(f, 'careTeam'), id: undefined, identifier: undefined });
        return call(f.t, a.tokens.system, 'PUT', `/fhir/CareTeam/${team.json().id}`, { ...team.json(), name: 'KOL-team A (renamed)' });
      }),
    );
    count += probes.length;
    report('positive control', probes.length, await runProbes(probes, 4));
  }, 120_000);

  it('nothing of A\'s changed (versions straight from the database)', async () => {
    expect(await versionsOf(f.t, [...protectedIds(f), deleted, registered, deletedPatient, ...HIDDEN_KEYS.map((k) => f.b.ids[k])])).toEqual(before);
  });
});
