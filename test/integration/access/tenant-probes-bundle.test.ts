import { nonCprUuid } from '../../support/ids';
import {
  buildFixture,
  call,
  differs,
  firstDifference,
  HIDDEN_KEYS,
  OWNED_KEYS,
  leaks,
  normalize,
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
  type Fixture,
  type HiddenKey,
  type Probe,
  missingId,
} from './tenants';

interface Entry {
  request: { method: string; url: string; ifMatch?: string; ifNoneExist?: string };
  resource?: unknown;
}

/**
 * Issue 12, cross-tenant probes inside bundles: every outsider × every hidden kind of A's
 * resources × each read and write shape as a batch entry (paired in one batch with the same entry
 * for an id that does not exist: same entry.response.status and outcome) and as the single entry
 * of a transaction (same answer as the transaction for a nonexistent id). Nothing of A's changes.
 */
describe('cross-tenant probes: batch and transaction entries', () => {
  let f: Fixture;
  let before: Record<string, string>;
  let count = 0;

  beforeAll(async () => {
    f = await buildFixture();
    before = await versionsOf(f.t, protectedIds(f));
  });
  afterAll(async () => {
    console.log(`tenant-probes-bundle: ${count} probes`);
    await f.t.close();
  });

  /** The entry shapes for one of A's resources, each a function of the id it names (A's or a fresh one). */
  const shapes = (key: HiddenKey): Array<{ name: string; write: boolean; mustFail: boolean; entry: (id: string) => Entry }> => {
    const type = f.a.types[key];
    const moved = retarget(f, key);
    const same = unchanged(f, key);
    const out: Array<{ name: string; write: boolean; mustFail: boolean; entry: (id: string) => Entry }> = [
      { name: `GET ${type}/{id}`, write: false, mustFail: true, entry: (id) => ({ request: { method: 'GET', url: `${type}/${id}` } }) },
      { name: `GET ${type}/{id}/_history/1`, write: false, mustFail: true, entry: (id) => ({ request: { method: 'GET', url: `${type}/${id}/_history/1` } }) },
      { name: `GET ${type}/{id}/_history`, write: false, mustFail: true, entry: (id) => ({ request: { method: 'GET', url: `${type}/${id}/_history` } }) },
      { name: `GET ${type}?_id={id}`, write: false, mustFail: false, entry: (id) => ({ request: { method: 'GET', url: `${type}?_id=${id}&_total=accurate` } }) },
      { name: `PUT ${type}/{id} moved to B`, write: true, mustFail: true, entry: (id) => ({ request: { method: 'PUT', url: `${type}/${id}` }, resource: { ...moved, id } }) },
      { name: `PUT ${type}/{id} unchanged`, write: true, mustFail: true, entry: (id) => ({ request: { method: 'PUT', url: `${type}/${id}` }, resource: { ...same, id } }) },
      { name: `PUT ${type}/{id} ifMatch W/"1"`, write: true, mustFail: true, entry: (id) => ({ request: { method: 'PUT', url: `${type}/${id}`, ifMatch: 'W/"1"' }, resource: { ...moved, id } }) },
      ...patches(f, key).map((p) => ({
        name: `PATCH ${type}/{id} ${p.name}`,
        write: true,
        mustFail: true,
        entry: (id: string) => ({ request: { method: 'PATCH', url: `${type}/${id}` }, resource: patchResource(p) }),
      })),
      { name: `DELETE ${type}/{id}`, write: true, mustFail: false, entry: (id) => ({ request: { method: 'DELETE', url: `${type}/${id}` } }) },
      { name: `PUT ${type}?_id={id}`, write: true, mustFail: false, entry: (id) => ({ request: { method: 'PUT', url: `${type}?_id=${id}` }, resource: { ...moved, id: undefined } }) },
      { name: `DELETE ${type}?_id={id}`, write: true, mustFail: false, entry: (id) => ({ request: { method: 'DELETE', url: `${type}?_id=${id}` } }) },
      { name: `POST ${type} ifNoneExist _id={id}`, write: true, mustFail: false, entry: (id) => ({ request: { method: 'POST', url: type, ifNoneExist: `_id=${id}` }, resource: { ...moved, id: undefined } }) },
    ];
    return out;
  };

  it('batch entries for A\'s resources answer like entries for nonexistent ids', async () => {
    const probes: Probe[] = [];
    let pairs = 0;
    for (const key of HIDDEN_KEYS) {
      for (const p of probersFor(f, key)) {
        const list = shapes(key).map((s) => ({ ...s, hidden: f.a.ids[key], missing: nonCprUuid() }));
        pairs += list.length;
        probes.push({
          name: `${p.name} → A.${key}: batch`,
          run: async () => {
            const entry = list.flatMap((s) => [s.entry(s.hidden), s.entry(s.missing)]);
            const res = await call(f.t, p.token, 'POST', '/fhir', { resourceType: 'Bundle', type: 'batch', entry });
            if (res.status !== 200) {
              return res.status === 403 ? undefined : `batch answered ${res.status}: ${res.body.slice(0, 200)}`;
            }
            const out = (res.json() as { entry: Array<{ response?: { status?: string; outcome?: unknown }; resource?: unknown }> }).entry;
            const failures: string[] = [];
            list.forEach((s, i) => {
              const [h, m] = [out[2 * i], out[2 * i + 1]];
              const hs = h?.response?.status ?? '?';
              const ms = m?.response?.status ?? '?';
              const found = leaks(f, JSON.stringify(h ?? {}).split(s.hidden).join(''));
              if (found.length) failures.push(`${s.name}: entry ${hs} carries A's ${found.join(', ')}`);
              else if (s.mustFail && /^2/.test(hs)) failures.push(`${s.name}: entry answered ${hs} for A's resource`);
              else {
                const nh = JSON.stringify(normalize(JSON.stringify(h), f.labels, [s.hidden]));
                const nm = JSON.stringify(normalize(JSON.stringify(m), f.labels, [s.missing]));
                if (hs !== ms) failures.push(`${s.name}: hidden entry ${hs}, nonexistent ${ms}`);
                else if (nh !== nm) failures.push(`${s.name}: same status ${hs}, different entries: ${firstDifference(nh, nm)}`);
              }
            });
            return failures.length ? failures.join(`\n${p.name} → A.${key}: batch: `) : undefined;
          },
        });
      }
    }
    count += pairs;
    report('batch entry', pairs, (await runProbes(probes, 4)).flatMap((failure) => failure.split('\n')));
  }, 180_000);

  it('a transaction whose entry names A\'s resource answers like one naming a nonexistent id', async () => {
    const probes: Probe[] = [];
    for (const key of HIDDEN_KEYS) {
      for (const p of probersFor(f, key)) {
        for (const s of shapes(key)) {
          if (!s.write) continue;
          probes.push({
            name: `${p.name} → A.${key}: transaction [${s.name}]`,
            run: async () => {
              const missing = missingId();
              const tx = (id: string) => call(f.t, p.token, 'POST', '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [s.entry(id)] });
              const hidden = await tx(f.a.ids[key]);
              const other = await tx(missing);
              const found = leaks(f, hidden.body.split(f.a.ids[key]).join(''));
              if (found.length) return `answered ${hidden.status} carrying A's ${found.join(', ')}`;
              if (s.mustFail && hidden.status < 300) return `answered ${hidden.status} for A's resource: ${hidden.body.slice(0, 200)}`;
              return differs(f, hidden, other, f.a.ids[key], missing);
            },
          });
        }
      }
    }
    count += probes.length;
    report('transaction', probes.length, await runProbes(probes, 8));
  }, 180_000);

  it('conditional references to A\'s resources in B\'s transactions resolve like references to nothing', async () => {
    const a = f.a;
    const b = f.b;
    const cpr = (v: string) => `Patient?identifier=${encodeURIComponent(`urn:oid:1.2.208.176.1.2|${v}`)}`;
    const refs: Array<{ name: string; hidden: string; missing: string; ref: (v: string) => string; element: 'subject' | 'focus' }> = [
      { name: 'subject = Patient?identifier=<CPR>', hidden: a.cpr, missing: '3112990001', ref: cpr, element: 'subject' },
      { name: 'subject = Patient?_id=<id>', hidden: a.ids.patient, missing: nonCprUuid(), ref: (v) => `Patient?_id=${v}`, element: 'subject' },
      { name: 'subject = Patient?family=<name>', hidden: a.family, missing: `Nobody-${nonCprUuid().slice(0, 8)}`, ref: (v) => `Patient?family=${v}`, element: 'subject' },
    ];
    for (const key of HIDDEN_KEYS) {
      const identifier = a.identifiers[key];
      if (identifier) {
        const [system, value] = identifier.split('|');
        refs.push({ name: `focus = ${a.types[key]}?identifier=<A.${key}>`, hidden: value, missing: `missing-${nonCprUuid()}`, ref: (v) => `${a.types[key]}?identifier=${encodeURIComponent(`${system}|${v}`)}`, element: 'focus' });
      }
      refs.push({ name: `focus = ${a.types[key]}?_id=<A.${key}>`, hidden: a.ids[key], missing: nonCprUuid(), ref: (v) => `${a.types[key]}?_id=${v}`, element: 'focus' });
    }
    const probes: Probe[] = [];
    for (const p of [...probersFor(f, 'observation'), { name: 'B.system (batch)', token: b.tokens.system, writes: true }]) {
      for (const r of refs) {
        // A's staff (the other team's clinician) see A's organisational records: resolving those is no oracle
        if (p.name === 'A.otherTeamClinician' && (OWNED_KEYS as readonly string[]).some((k) => r.name.endsWith(`<A.${k}>`))) continue;
        const observation = (v: string) => ({
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] },
          subject: { reference: r.element === 'subject' ? r.ref(v) : `Patient/${b.ids.patient}` },
          ...(r.element === 'focus' ? { focus: [{ reference: r.ref(v) }] } : {}),
          effectiveDateTime: '2026-05-04T08:00:00Z',
          valueQuantity: { value: 96, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
        });
        const type = p.name.endsWith('(batch)') ? 'batch' : 'transaction';
        probes.push({
          name: `${p.name}: ${type} POST Observation with ${r.name}`,
          run: async () => {
            const send = (v: string) => call(f.t, p.token, 'POST', '/fhir', { resourceType: 'Bundle', type, entry: [{ fullUrl: `urn:uuid:${nonCprUuid()}`, request: { method: 'POST', url: 'Observation' }, resource: observation(v) }] });
            const hidden = await send(r.hidden);
            const missing = await send(r.missing);
            // the criteria echoed back are the caller's own words; a resolved reference would name A's id anywhere else
            const found = leaks(f, hidden.body.split(r.hidden).join(''));
            if (found.length) return `answered ${hidden.status} naming A's ${found.join(', ')}: ${hidden.body.slice(0, 200)}`;
            return differs(f, hidden, missing, r.hidden, r.missing);
          },
        });
      }
    }
    count += probes.length;
    report('conditional reference', probes.length, await runProbes(probes, 8));
  }, 120_000);

  it('entries before a hidden one: a refused enrolment grants nothing to later entries, and a transaction stays atomic', async () => {
    const a = f.a;
    const b = f.b;
    const probes: Probe[] = [];
    const enrolA = { resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${a.ids.patient}` }, managingOrganization: { reference: `Organization/${b.org}` }, period: { start: '2026-06-01' }, team: [{ reference: `CareTeam/${b.ids.careTeam}` }] };
    for (const p of [{ name: 'B.system', token: b.tokens.system }, { name: 'B.clinician', token: b.tokens.clinician }]) {
      probes.push({
        name: `${p.name}: batch [POST EpisodeOfCare for A's patient, GET A's Observation, GET A's Patient, GET Observation?subject=A, PATCH A's Observation]`,
        run: async () => {
          const res = await call(f.t, p.token, 'POST', '/fhir', {
            resourceType: 'Bundle',
            type: 'batch',
            entry: [
              { request: { method: 'POST', url: 'EpisodeOfCare' }, resource: enrolA },
              { request: { method: 'GET', url: `Observation/${a.ids.observation}` } },
              { request: { method: 'GET', url: `Patient/${a.ids.patient}` } },
              { request: { method: 'GET', url: `Observation?subject=Patient/${a.ids.patient}` } },
              { request: { method: 'PATCH', url: `Observation/${a.ids.observation}` }, resource: patchResource({ contentType: 'application/json-patch+json', body: [{ op: 'add', path: '/language', value: 'da' }] }) },
            ],
          });
          if (res.status !== 200) return `batch answered ${res.status}`;
          const statuses = (res.json().entry as Array<{ response: { status: string } }>).map((e) => e.response.status.slice(0, 3));
          // what later entries returned (resources, and the resources of a searchset), by id
          type R = { resourceType?: string; id?: string; entry?: Array<{ resource?: R }> };
          const returned = (res.json().entry as Array<{ resource?: R }>).slice(1).flatMap((e) => (e.resource?.resourceType === 'Bundle' ? (e.resource.entry ?? []).map((x) => x.resource) : [e.resource]));
          const found = returned.filter((r): r is R => !!r?.id && f.hiddenIdsOfA.has(r.id)).map((r) => f.labels.get(r.id as string));
          const want = ['403', '404', '404', '200', '404'];
          if (found.length) return `later entries returned A's ${found.join(', ')}`;
          return JSON.stringify(statuses) === JSON.stringify(want) ? undefined : `entry statuses ${statuses.join(', ')}, expected ${want.join(', ')}`;
        },
      });
      probes.push({
        name: `${p.name}: transaction [POST B's own Observation, PUT A's Observation] fails whole, like naming a nonexistent id, and creates nothing`,
        run: async () => {
          const tx = async (target: string) => {
            const value = `atomic-${nonCprUuid()}`;
            const res = await call(f.t, p.token, 'POST', '/fhir', {
              resourceType: 'Bundle',
              type: 'transaction',
              entry: [
                { request: { method: 'POST', url: 'Observation' }, resource: { ...unchanged(f, 'observation'), id: undefined, identifier: [{ system: PROBE_SYSTEM, value }], subject: { reference: `Patient/${b.ids.patient}` }, extension: undefined, basedOn: undefined } },
                { request: { method: 'PUT', url: `Observation/${target}` }, resource: { ...retarget(f, 'observation'), id: target } },
              ],
            });
            const created = await call(f.t, b.tokens.system, 'GET', `/fhir/Observation?identifier=${encodeURIComponent(`${PROBE_SYSTEM}|${value}`)}`);
            return { res, created: (created.json().entry ?? []).length };
          };
          const missing = missingId();
          const hidden = await tx(a.ids.observation);
          const other = await tx(missing);
          if (hidden.created) return `the transaction's first entry was kept (${hidden.created} created) though it answered ${hidden.res.status}`;
          if (hidden.res.status < 300) return `answered ${hidden.res.status}`;
          return differs(f, hidden.res, other.res, a.ids.observation, missing);
        },
      });
    }
    count += probes.length;
    report('entry order', probes.length, await runProbes(probes, 2));
  }, 120_000);

  it('positive control: A\'s system client updates and patches its own Observation in a transaction', async () => {
    const a = f.a;
    const created = await call(f.t, a.tokens.system, 'POST', '/fhir/Observation', { ...unchanged(f, 'observation'), id: undefined, identifier: undefined });
    const id = created.json().id as string;
    const res = await call(f.t, a.tokens.system, 'POST', '/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'PUT', url: `Observation/${id}` }, resource: { ...created.json(), status: 'amended' } },
        { request: { method: 'GET', url: `Observation/${id}` } },
      ],
    });
    // … and resolves a conditional reference to its own patient by CPR (what the probes above refuse to B)
    const byCpr = await call(f.t, a.tokens.system, 'POST', '/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: `urn:uuid:${nonCprUuid()}`,
          request: { method: 'POST', url: 'Observation' },
          resource: { ...unchanged(f, 'observation'), id: undefined, identifier: undefined, subject: { reference: `Patient?identifier=${encodeURIComponent(`urn:oid:1.2.208.176.1.2|${a.cpr}`)}` } },
        },
      ],
    });
    count += 2;
    expect([res.status, res.json().entry?.map((e: { response: { status: string } }) => e.response.status)]).toEqual([200, ['200 OK', '200 OK']]);
    expect([byCpr.status, byCpr.json().entry?.[0]?.resource?.subject?.reference]).toEqual([200, `Patient/${a.ids.patient}`]);
  });

  it('nothing of A\'s changed (versions straight from the database)', async () => {
    expect(await versionsOf(f.t, protectedIds(f))).toEqual(before);
  });
});
