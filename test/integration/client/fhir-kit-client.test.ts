import { nonCprUuid } from '../../support/ids';
import { Client } from 'fhir-kit-client';
import { startListeningServer, type BundleJson as Bundle, type ListeningServer, type ResourceJson as Res } from './listening-server';

/** fhir-kit-client types its answers loosely; the tests read them as FHIR JSON. */
const as = <T>(value: unknown) => value as T;

/**
 * A vendor app's view: fhir-kit-client over real HTTP against a listening Kolibri with
 * authentication on, a system client's bearer token on every request. Its whole API: CRUD,
 * patch, search (type, system, compartment, POST) with nextPage/prevPage, history at three
 * levels, transaction, batch, capabilityStatement, resolve and operation.
 */
describe('fhir-kit-client against a listening server', () => {
  let s: ListeningServer;
  let client: Client;
  const family = `Kit-${nonCprUuid()}`;
  beforeAll(async () => {
    s = await startListeningServer();
    client = new Client({ baseUrl: s.fhirBase, bearerToken: await s.token() });
  });
  afterAll(() => s.close());

  const newPatient = async (extra: Record<string, unknown> = {}) =>
    as<Res>(await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family, given: ['Søren'] }], ...extra } }));
  const observation = (patient: string, value: number) => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: `2026-05-0${value % 9 + 1}T08:00:00Z`,
    valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  });

  it('reads the CapabilityStatement, which names SMART and the token endpoint', async () => {
    const cs = as<{ resourceType: string; fhirVersion: string; rest: Array<{ security: { cors: boolean; service: unknown[] } }> }>(await client.capabilityStatement());
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.rest[0].security.cors).toBe(true);
    const smart = await client.smartAuthMetadata();
    expect(String(smart.tokenUrl)).toBe(`${s.root}/auth/token`);
  });

  it('refuses a request without a token with 401', async () => {
    const anonymous = new Client({ baseUrl: s.fhirBase });
    await expect(anonymous.read({ resourceType: 'Patient', id: nonCprUuid() })).rejects.toMatchObject({ response: { status: 401 } });
  });

  it('creates, reads, updates, patches, vreads, lists instance history and deletes', async () => {
    const created = await newPatient({ gender: 'male' });
    expect(created.meta.versionId).toBe('1');
    const read = as<{ name: Array<{ family: string }> }>(await client.read({ resourceType: 'Patient', id: created.id }));
    expect(read.name[0].family).toBe(family);

    const updated = as<Res>(
      await client.update({
        resourceType: 'Patient',
        id: created.id,
        body: { resourceType: 'Patient', id: created.id, gender: 'male', name: [{ family }], active: true },
        options: { headers: { 'If-Match': 'W/"1"' } },
      }),
    );
    expect(updated.meta.versionId).toBe('2');
    expect(updated.active).toBe(true);

    const patched = as<Res>(await client.patch({ resourceType: 'Patient', id: created.id, jsonPatch: [{ op: 'replace', path: '/active', value: false }] }));
    expect(patched.meta.versionId).toBe('3');
    expect(patched.active).toBe(false);

    const v1 = as<Res>(await client.vread({ resourceType: 'Patient', id: created.id, version: '1' }));
    expect(v1.active).toBeUndefined();

    const history = as<Bundle>(await client.history({ resourceType: 'Patient', id: created.id }));
    expect(history.type).toBe('history');
    expect(history.entry?.map((e) => e.resource?.meta.versionId)).toEqual(['3', '2', '1']);

    await client.delete({ resourceType: 'Patient', id: created.id });
    const gone = await client.read({ resourceType: 'Patient', id: created.id }).then(
      () => 200,
      (err: { response: { status: number } }) => err.response.status,
    );
    // 410 without authentication; with it, a deleted patient is outside the client's reach and
    // answers like one that never existed (README, Access control)
    expect([404, 410]).toContain(gone);
  });

  it('surfaces a 412 for a stale If-Match', async () => {
    const created = await newPatient();
    await client.update({ resourceType: 'Patient', id: created.id, body: { resourceType: 'Patient', id: created.id, active: true } });
    await expect(
      client.update({ resourceType: 'Patient', id: created.id, body: { resourceType: 'Patient', id: created.id, active: false }, options: { headers: { 'If-Match': 'W/"1"' } } }),
    ).rejects.toMatchObject({ response: { status: 412 } });
  });

  it('searches by type, by POST, across types and in a compartment, and pages with nextPage and prevPage', async () => {
    const pageFamily = `Page-${nonCprUuid()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(as<Res>(await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family: pageFamily, given: [`P${i}`] }] } })).id);

    const first = as<Bundle>(await client.search({ resourceType: 'Patient', searchParams: { family: pageFamily, _count: 2, _sort: '_id' } }));
    expect(first.type).toBe('searchset');
    expect(first.entry).toHaveLength(2);
    const second = as<Bundle>(await client.nextPage({ bundle: first as never }));
    const third = as<Bundle>(await client.nextPage({ bundle: second as never }));
    expect(third.entry).toHaveLength(1);
    expect(third.link?.find((l) => l.relation === 'next')).toBeUndefined();
    const seen = [first, second, third].flatMap((b) => b.entry?.map((e) => e.resource?.id) ?? []);
    expect([...seen].sort()).toEqual([...ids].sort());
    const back = as<Bundle>(await client.prevPage({ bundle: third as never }));
    expect(back.entry?.map((e) => e.resource?.id)).toEqual(second.entry?.map((e) => e.resource?.id));

    const posted = as<Bundle>(await client.search({ resourceType: 'Patient', searchParams: { family: pageFamily }, options: { postSearch: true } }));
    expect(posted.entry).toHaveLength(5);

    const system = as<Bundle>(await client.search({ searchParams: { _type: 'Patient', _id: ids[0] } }));
    expect(system.entry?.map((e) => e.resource?.id)).toEqual([ids[0]]);

    await client.create({ resourceType: 'Observation', body: observation(ids[0], 93) });
    const compartment = as<Bundle>(await client.search({ resourceType: 'Observation', compartment: { resourceType: 'Patient', id: ids[0] }, searchParams: {} }));
    expect(compartment.entry).toHaveLength(1);

    const none = as<Bundle>(await client.search({ resourceType: 'Patient', searchParams: { family: `nobody-${nonCprUuid()}` } }));
    expect(none.entry).toBeUndefined();
  });

  it('lists type and system history', async () => {
    const created = await newPatient();
    const type = as<Bundle>(await client.history({ resourceType: 'Patient', options: { headers: {} } }));
    expect(type.type).toBe('history');
    expect(type.entry?.some((e) => e.resource?.id === created.id)).toBe(true);
    const system = as<Bundle>(await client.history());
    expect(system.type).toBe('history');
    expect(system.entry?.length).toBeGreaterThan(0);
  });

  it('posts a transaction (to [base]/) whose urn:uuid references are rewritten', async () => {
    const patientUrl = `urn:uuid:${nonCprUuid()}`;
    const response = as<Bundle>(
      await client.transaction({
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { fullUrl: patientUrl, resource: { resourceType: 'Patient', name: [{ family }] }, request: { method: 'POST', url: 'Patient' } },
            { resource: { ...observation('x', 90), subject: { reference: patientUrl } }, request: { method: 'POST', url: 'Observation' } },
          ],
        } as never,
      }),
    );
    expect(response.type).toBe('transaction-response');
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created']);
    const observationId = /Observation\/([^/]+)/.exec(response.entry?.[1].response?.location ?? '')?.[1] as string;
    const stored = as<{ subject: { reference: string } }>(await client.read({ resourceType: 'Observation', id: observationId }));
    expect(stored.subject.reference).toMatch(/^Patient\/[^/]+$/);
  });

  it('posts a batch (to [base]/) and gets each entry answered on its own', async () => {
    const created = await newPatient();
    const response = as<Bundle>(
      await client.batch({
        body: {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [{ request: { method: 'GET', url: `Patient/${created.id}` } }, { request: { method: 'GET', url: `Patient/${nonCprUuid()}` } }],
        } as never,
      }),
    );
    expect(response.type).toBe('batch-response');
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['200 OK', '404 Not Found']);
  });

  it('resolves relative, absolute, contained and bundle references', async () => {
    const created = await newPatient();
    const relative = as<Res>(await client.resolve({ reference: `Patient/${created.id}` }));
    expect(relative.id).toBe(created.id);
    const absolute = as<Res>(await client.resolve({ reference: `${s.fhirBase}/Patient/${created.id}` }));
    expect(absolute.id).toBe(created.id);
    const contained = as<Res>(
      await client.resolve({ reference: '#p1', context: { resourceType: 'Observation', contained: [{ resourceType: 'Patient', id: 'p1' }] } as never }),
    );
    expect(contained.id).toBe('p1');
    const bundle = as<Bundle>(await client.search({ resourceType: 'Patient', searchParams: { _id: created.id } }));
    const fromBundle = as<Res>(await client.resolve({ reference: bundle.entry?.[0].fullUrl as string, context: bundle as never }));
    expect(fromBundle.id).toBe(created.id);
  });

  it('invokes operations at type and instance level, by POST and GET', async () => {
    const valid = as<{ resourceType: string; issue: Array<{ severity: string }> }>(
      await client.operation({ name: '$validate', resourceType: 'Patient', input: { resourceType: 'Patient', name: [{ family }] } }),
    );
    expect(valid.resourceType).toBe('OperationOutcome');
    expect(valid.issue.filter((i) => i.severity === 'error')).toEqual([]);

    const created = await newPatient();
    await client.create({ resourceType: 'Observation', body: observation(created.id, 91) });
    const everything = as<Bundle>(await client.operation({ name: 'everything', resourceType: 'Patient', id: created.id, method: 'GET' }));
    expect(everything.entry?.map((e) => e.resource?.resourceType).sort()).toEqual(['Observation', 'Patient']);
    const lastn = as<Bundle>(await client.operation({ name: '$lastn', resourceType: 'Observation', method: 'GET', input: { patient: created.id, max: 1 } }));
    expect(lastn.entry).toHaveLength(1);
  });
});
