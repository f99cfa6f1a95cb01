import { nonCprUuid } from '../../support/ids';
import { buildFixture, call, probersFor, protectedIds, refusedLikeMissing, report, runProbes, versionsOf, type Fixture, type Probe } from '../access/tenants';

const R4 = 'http://hl7.org/fhir/OperationDefinition';
const FUT_TYPES = ['Appointment', 'CodeSystem', 'ConceptMap', 'Group', 'NamingSystem', 'Practitioner', 'SearchParameter', 'ValueSet'];
const SYSTEM = 'urn:kolibri:meta-change';

/** $meta-add / $meta-delete (R4) on instances, and $meta declared under R4's canonical. */
describe('$meta-add and $meta-delete', () => {
  let f: Fixture;
  const tag = (code: string, display?: string) => ({ system: SYSTEM, code, ...(display ? { display } : {}) });
  const meta = (valueMeta: unknown) => ({ resourceType: 'Parameters', parameter: [{ name: 'meta', valueMeta }] });
  const post = (token: string, url: string, body: unknown) => call(f.t, token, 'POST', url, body);
  const tagged = async (code: string) =>
    ((await call(f.t, f.a.tokens.system, 'GET', `/fhir/Patient?_tag=${encodeURIComponent(`${SYSTEM}|${code}`)}`)).json().entry ?? []).map((e: { resource: { id: string } }) => e.resource.id);

  beforeAll(async () => {
    f = await buildFixture();
  });
  afterAll(async () => {
    await f.t.close();
  });

  it('adds tags and security labels once each, found by _tag; deletes only the named ones', async () => {
    const url = `/fhir/Patient/${f.a.ids.patient}`;
    const [one, two] = [`one-${nonCprUuid()}`, `two-${nonCprUuid()}`];
    const before = (await call(f.t, f.a.tokens.system, 'GET', url)).json().meta.versionId;
    const security = { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' };
    const added = await post(f.a.tokens.system, `${url}/$meta-add`, meta({ tag: [tag(one), tag(one, 'again'), tag(two)], security: [security] }));
    expect([added.status, added.json().resourceType, added.json().parameter[0].name]).toEqual([200, 'Parameters', 'return']);
    const result = added.json().parameter[0].valueMeta;
    expect(result.tag).toEqual([tag(one), tag(two)]);
    expect(result.security).toEqual([security]);
    expect(Number(result.versionId)).toBe(Number(before) + 1);
    // adding what is there already keeps one of each
    const again = (await post(f.a.tokens.system, `${url}/$meta-add`, meta({ tag: [tag(two, 'other display')] }))).json().parameter[0].valueMeta;
    expect(again.tag).toEqual([tag(one), tag(two)]);
    expect(Number(again.versionId)).toBe(Number(result.versionId) + 1); // every call is a version, as documented
    expect((await call(f.t, f.a.tokens.system, 'GET', url)).json().meta.tag).toEqual([tag(one), tag(two)]);
    expect(await tagged(one)).toEqual([f.a.ids.patient]);

    const deleted = await post(f.a.tokens.system, `${url}/$meta-delete`, meta({ tag: [tag(one), tag(`never-${nonCprUuid()}`)] }));
    expect(deleted.status).toBe(200);
    expect(deleted.json().parameter[0].valueMeta.tag).toEqual([tag(two)]);
    expect(deleted.json().parameter[0].valueMeta.security).toEqual([security]);
    expect(await tagged(one)).toEqual([]);
    expect(await tagged(two)).toEqual([f.a.ids.patient]);
    // the last of a set goes, and the set with it
    const cleared = (await post(f.a.tokens.system, `${url}/$meta-delete`, meta({ tag: [tag(two)], security: [security] }))).json().parameter[0].valueMeta;
    expect([cleared.tag, cleared.security]).toEqual([undefined, undefined]);
    // each change is a version of its own (Kolibri keeps meta changes in the history)
    const history = (await call(f.t, f.a.tokens.system, 'GET', `${url}/_history`)).json();
    expect(history.entry.length).toBeGreaterThanOrEqual(4);
  });

  it('adds and deletes profiles by URL', async () => {
    const created = await post(f.a.tokens.system, '/fhir/Basic', { resourceType: 'Basic', code: { text: 'meta-change profile' } });
    expect(created.status).toBe(201);
    const url = `/fhir/Basic/${created.json().id}`;
    const profile = 'http://hl7.org/fhir/StructureDefinition/Basic';
    const added = await post(f.a.tokens.system, `${url}/$meta-add`, meta({ profile: [profile, profile] }));
    expect([added.status, added.json().parameter?.[0].valueMeta.profile]).toEqual([200, [profile]]);
    const removed = await post(f.a.tokens.system, `${url}/$meta-delete`, meta({ profile: [profile] }));
    expect([removed.status, removed.json().parameter[0].valueMeta.profile]).toEqual([200, undefined]);
  });

  it('refuses bad input with an OperationOutcome and changes nothing', async () => {
    const url = `/fhir/Patient/${f.a.ids.patient}`;
    const versions = await versionsOf(f.t, [f.a.ids.patient]);
    const bad: Array<[string, string, unknown, number]> = [
      ['no body', `${url}/$meta-add`, undefined, 400],
      ['no meta', `${url}/$meta-add`, { resourceType: 'Parameters' }, 400],
      ['meta as a string', `${url}/$meta-delete`, { resourceType: 'Parameters', parameter: [{ name: 'meta', valueString: 'x' }] }, 400],
      ['tag not a Coding', `${url}/$meta-add`, meta({ tag: ['x'] }), 400],
      ['tag without a code', `${url}/$meta-add`, meta({ tag: [{ system: SYSTEM }] }), 400],
      ['profile not a URL string', `${url}/$meta-add`, meta({ profile: [{ url: 'x' }] }), 400],
      ['another parameter', `${url}/$meta-add`, { resourceType: 'Parameters', parameter: [{ name: 'meta', valueMeta: { tag: [tag('x')] } }, { name: 'x', valueString: 'y' }] }, 400],
      ['not Parameters', `${url}/$meta-add`, { resourceType: 'Basic' }, 400],
      ['unknown type', '/fhir/Nonsense/1/$meta-add', meta({ tag: [tag('x')] }), 404],
      ['unknown resource', `/fhir/Patient/${nonCprUuid()}/$meta-add`, meta({ tag: [tag('x')] }), 404],
      ['unknown resource (delete)', `/fhir/Patient/${nonCprUuid()}/$meta-delete`, meta({ tag: [tag('x')] }), 404],
    ];
    for (const [what, target, body, status] of bad) {
      const res = await post(f.a.tokens.system, target, body);
      expect({ what, status: res.status, type: res.json().resourceType }).toEqual({ what, status, type: 'OperationOutcome' });
    }
    expect(await versionsOf(f.t, [f.a.ids.patient])).toEqual(versions);
  });

  it('answers every outsider (and read-only scopes) on A’s resources like a nonexistent id; nothing of A’s changes', async () => {
    const before = await versionsOf(f.t, protectedIds(f));
    const probes: Probe[] = [];
    for (const key of ['patient', 'observation', 'task'] as const) {
      const type = f.a.types[key];
      const probers = [...probersFor(f, key), { name: 'A.narrow', token: f.a.tokens.narrow, writes: false }];
      for (const p of probers) {
        for (const change of ['add', 'delete'] as const) {
          const existing = f.a.resources[key].meta?.tag ?? [];
          const body = meta(change === 'add' ? { tag: [tag(`probe-${nonCprUuid()}`)] } : { tag: existing.length ? existing : [tag('none')], security: [{ system: 'x', code: 'y' }] });
          probes.push(refusedLikeMissing(f, `${p.name} $meta-${change} ${key}`, f.a.ids[key], (id) => post(p.token, `/fhir/${type}/${id}/$meta-${change}`, body)));
        }
      }
    }
    report('$meta-add/$meta-delete', probes.length, await runProbes(probes));
    expect(await versionsOf(f.t, protectedIds(f))).toEqual(before);
    // what they were refused: a 404 like any unknown id (403 where the scopes allow no update at all)
    const observation = `/fhir/Observation/${f.a.ids.observation}/$meta-add`;
    expect((await post(f.b.tokens.system, observation, meta({ tag: [tag('x')] }))).status).toBe(404);
    expect((await post(f.a.tokens.narrow, observation, meta({ tag: [tag('x')] }))).status).toBe(403);
    // positive control: A's own care-team clinician does tag A's Observation
    const requestId = `meta-add-${nonCprUuid()}`;
    const own = await call(f.t, f.a.tokens.clinician, 'POST', observation, meta({ tag: [tag('reviewed')] }), { 'x-request-id': requestId });
    expect([own.status, own.json().parameter?.[0].valueMeta.tag]).toEqual([200, expect.arrayContaining([tag('reviewed')])]);
    // and the change is audited like any write (its record committed with it: in the outbox, or already drained to an AuditEvent)
    const audited = await f.t.pool.query(
      `SELECT (SELECT count(*) FROM audit_outbox WHERE request_id = $1) + (SELECT count(*) FROM resource WHERE resource_type = 'AuditEvent' AND content LIKE '%' || $1 || '%') AS n`,
      [requestId],
    );
    expect(audited.rows[0].n).toBe('1');
  });

  it('declares $meta under R4’s canonical at system level and on every type, $meta-add and $meta-delete on every type', async () => {
    const rest = (await call(f.t, f.a.tokens.system, 'GET', '/fhir/metadata')).json().rest[0];
    expect(rest.operation).toContainEqual({ name: 'meta', definition: `${R4}/Resource-meta` });
    const ops = (type: string) => (rest.resource.find((r: { type: string }) => r.type === type)?.operation ?? []) as Array<{ name: string; definition: string }>;
    for (const type of [...FUT_TYPES, 'Patient', 'Observation']) {
      expect({ type, ops: ops(type) }).toEqual({
        type,
        ops: expect.arrayContaining([
          { name: 'meta', definition: `${R4}/Resource-meta` },
          { name: 'meta-add', definition: `${R4}/Resource-meta-add` },
          { name: 'meta-delete', definition: `${R4}/Resource-meta-delete` },
        ]),
      });
    }
    // R4's OperationDefinitions themselves are served from the base definitions (test/integration/validation/conformance-resources.test.ts)
    const answered = await call(f.t, f.a.tokens.system, 'GET', `/fhir/Patient/${f.a.ids.patient}/$meta`);
    expect([answered.status, answered.json().parameter[0].name]).toEqual([200, 'return']);
  });
});
