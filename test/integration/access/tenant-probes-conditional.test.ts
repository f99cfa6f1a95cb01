import { nonCprUuid } from '../../support/ids';
import {
  buildFixture,
  call,
  differs,
  HIDDEN_KEYS,
  leaks,
  probersFor,
  patches,
  PROBE_SYSTEM,
  protectedIds,
  report,
  retarget,
  runProbes,
  unchanged,
  versionsOf,
  type Answer,
  type Fixture,
  type Probe,
  missingId,
} from './tenants';

/**
 * Issue 12, cross-tenant probes, conditional interactions: every outsider × every hidden kind of
 * A's resources × conditional PUT, PUT with If-Match, PATCH (JSON Patch, FHIRPath Patch), DELETE
 * and create with If-None-Exist, with criteria `_id=<A's id>` and `identifier=<A's identifier>`
 * (and A's patient by CPR). Criteria must only match what the caller may see: each answer equals
 * the one for criteria that match nothing (a conditional PUT then creates a new resource — ids
 * aside, the same answer), nothing of A's leaks into a body and nothing of A's changes.
 */
describe('cross-tenant probes: conditional writes', () => {
  let f: Fixture;
  let before: Record<string, string>;
  let count = 0;

  beforeAll(async () => {
    f = await buildFixture();
    before = await versionsOf(f.t, protectedIds(f));
  });
  afterAll(async () => {
    console.log(`tenant-probes-conditional: ${count} probes`);
    await f.t.close();
  });

  /** Criteria matching A's resource vs criteria matching nothing: the same answer, modulo ids, and no trace of A. */
  const pair = (name: string, hidden: string, missing: string, build: (criteria: string) => Promise<Answer>, criteria: (v: string) => string, want?: number): Probe => ({
    name,
    run: async () => {
      const h = await build(criteria(hidden));
      const m = await build(criteria(missing));
      if (want !== undefined && h.status !== want) return `expected ${want}, got ${h.status} ${h.body.slice(0, 200)}`;
      // the criteria echoed back (self link, diagnostics) are the caller's own input, not a leak
      const found = leaks(f, h.body.split(hidden).join(''));
      if (found.length) return `answered ${h.status} with A's ${found.join(', ')}: ${h.body.slice(0, 200)}`;
      return differs(f, h, m, hidden, missing);
    },
  });

  it('conditional PUT, PATCH, DELETE and If-None-Exist by _id and identifier match nothing of A\'s', async () => {
    const probes: Probe[] = [];
    for (const key of HIDDEN_KEYS) {
      const type = f.a.types[key];
      const moved = { ...retarget(f, key), id: undefined };
      const criteria: Array<{ name: string; hidden: string; missing: string; query: (v: string) => string }> = [
        { name: '_id', hidden: f.a.ids[key], missing: nonCprUuid(), query: (v) => `_id=${v}` },
      ];
      const identifier = f.a.identifiers[key];
      if (identifier) {
        const value = identifier.slice(PROBE_SYSTEM.length + 1);
        criteria.push({ name: 'identifier', hidden: value, missing: `missing-${nonCprUuid()}`, query: (v) => `identifier=${encodeURIComponent(`${PROBE_SYSTEM}|${v}`)}` });
      }
      if (key === 'patient') criteria.push({ name: 'CPR', hidden: f.a.cpr, missing: '3112990000', query: (v) => `identifier=${encodeURIComponent(`urn:oid:1.2.208.176.1.2|${v}`)}` });
      for (const p of probersFor(f, key)) {
        for (const c of criteria) {
          const at = `${p.name} → A.${key}`;
          const q = `${type}?${c.name === '_id' ? '_id' : 'identifier'}=…`;
          const probe = (name: string, build: (query: string) => Promise<Answer>, want?: number) => probes.push(pair(`${at}: ${name} [${c.name}]`, c.hidden, c.missing, build, c.query, want));
          // no match for B: B's system client creates a new resource of its own (201), A's stays as it was
          probe(`PUT ${q} moved to B`, (query) => call(f.t, p.token, 'PUT', `/fhir/${type}?${query}`, moved), p.name === 'B.system' ? 201 : undefined);
          probe(`PUT ${q} If-Match W/"1"`, (query) => call(f.t, p.token, 'PUT', `/fhir/${type}?${query}`, moved, { 'if-match': 'W/"1"' }));
          for (const patch of patches(f, key)) {
            probe(`PATCH ${q} ${patch.name}`, (query) => call(f.t, p.token, 'PATCH', `/fhir/${type}?${query}`, patch.body, { 'content-type': patch.contentType }));
          }
          probe(`DELETE ${q}`, (query) => call(f.t, p.token, 'DELETE', `/fhir/${type}?${query}`));
          probe(`POST ${type} If-None-Exist: ${c.name}`, (query) => call(f.t, p.token, 'POST', `/fhir/${type}`, moved, { 'if-none-exist': query }), p.name === 'B.system' ? 201 : undefined);
          // the minimal and OperationOutcome representations take other code paths (Location, ETag without a body)
          for (const prefer of ['return=minimal', 'return=OperationOutcome']) {
            probe(`POST ${type} If-None-Exist: ${c.name}, Prefer ${prefer}`, (query) => call(f.t, p.token, 'POST', `/fhir/${type}`, moved, { 'if-none-exist': query, prefer }));
            probe(`PUT ${q} moved to B, Prefer ${prefer}`, (query) => call(f.t, p.token, 'PUT', `/fhir/${type}?${query}`, moved, { prefer }));
          }
          probe(`GET ${q}`, (query) => call(f.t, p.token, 'GET', `/fhir/${type}?${query}`));
        }
      }
    }
    count += probes.length;
    report('conditional', probes.length, await runProbes(probes, 8));
  }, 180_000);

  it('match counts never include A\'s resources: criteria naming one of A\'s and one of B\'s own act on B\'s alone', async () => {
    const b = f.b;
    const probes: Probe[] = [];
    // B's own Observations: body weight, no patient group's measurement code (those are written only by $submit-measurement)
    const NOT_A_MEASUREMENT = { meta: undefined, code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] }, valueQuantity: { value: 80, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } };
    const fresh = async (token: string) => {
      const value = `b-own-${nonCprUuid()}`;
      const res = await call(f.t, token, 'POST', '/fhir/Observation', { ...unchanged(f, 'observation'), id: undefined, identifier: [{ system: PROBE_SYSTEM, value }], subject: { reference: `Patient/${b.ids.patient}` }, extension: undefined, basedOn: undefined, ...NOT_A_MEASUREMENT });
      if (res.status !== 201) throw new Error(`B could not create its own Observation: ${res.status} ${res.body.slice(0, 200)}`);
      return { id: res.json().id as string, value, body: res.json() as Record<string, unknown> };
    };
    const aValue = (f.a.identifiers.observation as string).slice(PROBE_SYSTEM.length + 1);
    for (const p of [{ name: 'B.system', token: b.tokens.system }, { name: 'B.clinician', token: b.tokens.clinician }, { name: 'B.citizen', token: b.tokens.citizen }]) {
      const kinds: Array<{ name: string; query: (own: { id: string; value: string }, other: string) => string; hidden: string }> = [
        { name: '_id', query: (own, other) => `_id=${other},${own.id}`, hidden: f.a.ids.observation },
        { name: 'identifier', query: (own, other) => `identifier=${encodeURIComponent(`${PROBE_SYSTEM}|${other}`)},${encodeURIComponent(`${PROBE_SYSTEM}|${own.value}`)}`, hidden: aValue },
      ];
      for (const k of kinds) {
        const shapes: Array<{ name: string; run: (query: string, own: { id: string; body: Record<string, unknown> }) => Promise<Answer> }> = [
          { name: 'PUT', run: (query, own) => call(f.t, p.token, 'PUT', `/fhir/Observation?${query}`, { ...own.body, id: undefined, meta: undefined, status: 'amended' }) },
          { name: 'PATCH', run: (query) => call(f.t, p.token, 'PATCH', `/fhir/Observation?${query}`, [{ op: 'replace', path: '/status', value: 'amended' }], { 'content-type': 'application/json-patch+json' }) },
          { name: 'DELETE', run: (query) => call(f.t, p.token, 'DELETE', `/fhir/Observation?${query}`) },
          { name: 'POST If-None-Exist', run: (query, own) => call(f.t, p.token, 'POST', '/fhir/Observation', { ...own.body, id: undefined, meta: undefined, identifier: undefined }, { 'if-none-exist': query }) },
          { name: 'GET _summary=count', run: (query) => call(f.t, p.token, 'GET', `/fhir/Observation?${query}&_summary=count`) },
        ];
        for (const shape of shapes) {
          probes.push({
            name: `${p.name}: ${shape.name} Observation?${k.name}=<A's>,<B's own>`,
            run: async () => {
              const [ownH, ownM] = [await fresh(p.token), await fresh(p.token)];
              const missing = k.name === '_id' ? missingId() : `missing-${nonCprUuid()}`;
              const hidden = await shape.run(k.query(ownH, k.hidden), ownH);
              const other = await shape.run(k.query(ownM, missing), ownM);
              // both act on (or match exactly) B's own Observation, named differently in each run
              f.labels.set(ownH.id, '<B:own>');
              f.labels.set(ownM.id, '<B:own>');
              const ownValues = (text: string) => text.split(ownH.value).join('<B:own-identifier>').split(ownM.value).join('<B:own-identifier>');
              // B's system client reaches its own patient: each shape works on exactly its own Observation
              if (p.name === 'B.system' && hidden.status !== 200) return `expected 200 (one match: B's own), got ${hidden.status} ${hidden.body.slice(0, 200)}`;
              if (shape.name.startsWith('GET') && hidden.status === 200 && hidden.json().total !== 1) return `counts ${hidden.json().total} matches, not 1`;
              return differs(f, { ...hidden, body: ownValues(hidden.body) }, { ...other, body: ownValues(other.body) }, k.hidden, missing);
            },
          });
        }
      }
    }
    count += probes.length;
    report('match count', probes.length, await runProbes(probes, 4));
  }, 120_000);

  it('positive control: A\'s system client updates its own Observation by identifier and patches it by _id', async () => {
    const a = f.a;
    const identifier = `control-${nonCprUuid()}`;
    const body = { ...unchanged(f, 'observation'), id: undefined, identifier: [{ system: PROBE_SYSTEM, value: identifier }] };
    const created = await call(f.t, a.tokens.system, 'POST', '/fhir/Observation', body);
    expect(created.status).toBe(201);
    const id = created.json().id;
    const put = await call(f.t, a.tokens.system, 'PUT', `/fhir/Observation?identifier=${encodeURIComponent(`${PROBE_SYSTEM}|${identifier}`)}`, { ...body, status: 'amended' });
    const patched = await call(f.t, a.tokens.system, 'PATCH', `/fhir/Observation?_id=${id}`, [{ op: 'replace', path: '/status', value: 'corrected' }], { 'content-type': 'application/json-patch+json' });
    count += 2;
    expect([put.status, put.json().id, patched.status, patched.json().status]).toEqual([200, id, 200, 'corrected']);
  });

  it('nothing of A\'s changed (versions straight from the database)', async () => {
    expect(await versionsOf(f.t, protectedIds(f))).toEqual(before);
  });
});
