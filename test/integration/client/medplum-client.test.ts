import { nonCprUuid } from '../../support/ids';
import { MedplumClient, normalizeErrorString } from '@medplum/core';
import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { startListeningServer, type ListeningServer } from './listening-server';

/**
 * A vendor app built on Medplum's SDK: MedplumClient pointed at Kolibri's FHIR base with the
 * platform fetch and a system client's bearer token, over real HTTP.
 */
describe('@medplum/core MedplumClient against a listening server', () => {
  let s: ListeningServer;
  let medplum: MedplumClient;
  const family = `Medplum-${nonCprUuid()}`;
  beforeAll(async () => {
    s = await startListeningServer();
    // cacheTime 0: every read goes to the server, so the test sees what Kolibri answers
    medplum = new MedplumClient({ baseUrl: `${s.root}/`, fhirUrlPath: 'fhir', fetch: (url: string | URL | Request, init?: RequestInit) => fetch(url, init), cacheTime: 0 });
    medplum.setAccessToken(await s.token());
  });
  afterAll(() => s.close());

  it('creates, reads, updates, searches and deletes a Patient', async () => {
    const created = await medplum.createResource<Patient>({ resourceType: 'Patient', name: [{ family, given: ['Karen'] }], gender: 'female' });
    expect(created.meta?.versionId).toBe('1');
    const read = await medplum.readResource('Patient', created.id as string);
    expect(read.name?.[0].family).toBe(family);
    const updated = await medplum.updateResource<Patient>({ ...read, active: true });
    expect(updated.meta?.versionId).toBe('2');
    const found = await medplum.searchResources('Patient', { family });
    expect(found.map((p) => p.id)).toEqual([created.id]);
    const history = await medplum.readHistory('Patient', created.id as string);
    expect(history.entry?.map((e) => e.resource?.meta?.versionId)).toEqual(['2', '1']);
    await medplum.deleteResource('Patient', created.id as string);
    expect(await medplum.searchResources('Patient', { family })).toHaveLength(0);
  });

  it('finds nothing as an empty list, not an error', async () => {
    const bundle = await medplum.search('Patient', { family: `nobody-${nonCprUuid()}` });
    expect(bundle.type).toBe('searchset');
    expect(bundle.entry).toBeUndefined();
    expect(await medplum.searchResources('Patient', { family: `nobody-${nonCprUuid()}` })).toHaveLength(0);
  });

  it('executes a transaction Bundle with urn:uuid references', async () => {
    const patientUrl = `urn:uuid:${nonCprUuid()}`;
    const response = await medplum.executeBatch({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: patientUrl, resource: { resourceType: 'Patient', name: [{ family }] }, request: { method: 'POST', url: 'Patient' } },
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] },
            subject: { reference: patientUrl },
            effectiveDateTime: '2026-05-01T08:00:00Z',
            valueQuantity: { value: 94, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    } as Bundle);
    expect(response.type).toBe('transaction-response');
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created']);
    const patient = /(Patient\/[^/]+)\/_history\//.exec(response.entry?.[0].response?.location ?? '')?.[1] as string;
    const observations = await medplum.searchResources('Observation', { subject: patient });
    expect(observations.map((o: Observation) => o.valueQuantity?.value)).toEqual([94]);
  });

  it('surfaces Kolibri\'s OperationOutcome on an invalid resource', async () => {
    const err = await medplum.createResource({ resourceType: 'Patient', gender: 'nope' } as unknown as Patient).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(normalizeErrorString(err)).toMatch(/gender/);
  });
});
