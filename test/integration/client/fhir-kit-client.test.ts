import { Client } from 'fhir-kit-client';
import { createTestApp, type TestApp } from '../../support/app';

/**
 * A vendor app's view: fhir-kit-client over real HTTP against a listening Kolibri.
 */
describe('fhir-kit-client against a listening server', () => {
  let t: TestApp;
  let client: Client;
  beforeAll(async () => {
    t = await createTestApp();
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    client = new Client({ baseUrl: `${address}/fhir` });
  });
  afterAll(() => t.close());

  it('reads the CapabilityStatement', async () => {
    const cs = (await client.capabilityStatement()) as unknown as { resourceType: string; fhirVersion: string };
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
  });

  it('creates, reads, updates, vreads, lists history and deletes a Patient', async () => {
    const created = (await client.create({
      resourceType: 'Patient',
      body: { resourceType: 'Patient', gender: 'male', name: [{ family: 'Østergaard', given: ['Søren'] }] },
    })) as unknown as { id: string; meta: { versionId: string } };
    expect(created.meta.versionId).toBe('1');

    const read = (await client.read({ resourceType: 'Patient', id: created.id })) as unknown as { name: Array<{ family: string }> };
    expect(read.name[0].family).toBe('Østergaard');

    const updated = (await client.update({
      resourceType: 'Patient',
      id: created.id,
      body: { resourceType: 'Patient', id: created.id, gender: 'male', active: true },
      options: { headers: { 'If-Match': 'W/"1"' } },
    })) as unknown as { active: boolean; meta: { versionId: string } };
    expect(updated.meta.versionId).toBe('2');
    expect(updated.active).toBe(true);

    const v1 = (await client.vread({ resourceType: 'Patient', id: created.id, version: '1' })) as unknown as { active?: boolean };
    expect(v1.active).toBeUndefined();

    const history = (await client.resourceHistory({ resourceType: 'Patient', id: created.id })) as unknown as {
      type: string;
      entry: Array<{ resource: { meta: { versionId: string } } }>;
    };
    expect(history.type).toBe('history');
    expect(history.entry.map((e) => e.resource.meta.versionId)).toEqual(['2', '1']);

    await client.delete({ resourceType: 'Patient', id: created.id });
    await expect(client.read({ resourceType: 'Patient', id: created.id })).rejects.toMatchObject({
      response: { status: 410 },
    });
  });

  it('surfaces a 412 for a stale If-Match', async () => {
    const created = (await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient' } })) as unknown as { id: string };
    await client.update({ resourceType: 'Patient', id: created.id, body: { resourceType: 'Patient', id: created.id, active: true } });
    await expect(
      client.update({
        resourceType: 'Patient',
        id: created.id,
        body: { resourceType: 'Patient', id: created.id, active: false },
        options: { headers: { 'If-Match': 'W/"1"' } },
      }),
    ).rejects.toMatchObject({ response: { status: 412 } });
  });
});
