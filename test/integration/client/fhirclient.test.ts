import type { IncomingMessage, ServerResponse } from 'node:http';
import { nonCprUuid } from '../../support/ids';
import smart from 'fhirclient';
import type Client from 'fhirclient/lib/Client';
import { startListeningServer, type BundleJson as Bundle, type ListeningServer, type ResourceJson as Res } from './listening-server';


/**
 * A SMART app on the `fhirclient` library (SMART Health IT's JavaScript client, Node entry): a
 * client made from a token response, calling Kolibri over real HTTP with `Authorization: Bearer`.
 */
describe('fhirclient (SMART) against a listening server', () => {
  let s: ListeningServer;
  let client: Client;
  const family = `Smart-${nonCprUuid()}`;
  beforeAll(async () => {
    s = await startListeningServer();
    // The Node adapter reads the request only to launch or redirect; a ready token needs neither.
    const request = { headers: {}, url: '/', method: 'GET' } as unknown as IncomingMessage;
    client = smart(request, {} as ServerResponse).client({ serverUrl: s.fhirBase, tokenResponse: { access_token: await s.token(), token_type: 'Bearer' } });
  });
  afterAll(() => s.close());

  it('creates, reads, updates and deletes a Patient', async () => {
    const created = (await client.create({ resourceType: 'Patient', name: [{ family }] })) as Res;
    expect(created.meta.versionId).toBe('1');
    const read = (await client.request(`Patient/${created.id}`)) as Res;
    expect(read.id).toBe(created.id);
    const updated = (await client.update({ ...read, active: true } as unknown as Parameters<Client['update']>[0])) as Res;
    expect(updated.meta.versionId).toBe('2');
    await client.delete(`Patient/${created.id}`);
    await expect(client.request(`Patient/${created.id}`)).rejects.toMatchObject({ status: expect.any(Number) });
  });

  it('searches and follows every next link (pageLimit 0, flat)', async () => {
    const pageFamily = `SmartPage-${nonCprUuid()}`;
    for (let i = 0; i < 5; i++) await client.create({ resourceType: 'Patient', name: [{ family: pageFamily, given: [`P${i}`] }] });
    const first = (await client.request(`Patient?family=${pageFamily}&_count=2`)) as Bundle;
    expect(first.entry).toHaveLength(2);
    expect(first.link?.some((l) => l.relation === 'next')).toBe(true);
    const all = (await client.request(`Patient?family=${pageFamily}&_count=2`, { pageLimit: 0, flat: true })) as Res[];
    expect(all.map((p) => p.resourceType)).toEqual(['Patient', 'Patient', 'Patient', 'Patient', 'Patient']);
    const none = (await client.request(`Patient?family=nobody-${nonCprUuid()}`)) as Bundle;
    expect(none.type).toBe('searchset');
    expect(none.entry).toBeUndefined();
  });

  it('posts a transaction Bundle to the base', async () => {
    const patientUrl = `urn:uuid:${nonCprUuid()}`;
    const response = (await client.request({
      url: '',
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: patientUrl, resource: { resourceType: 'Patient', name: [{ family }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Basic', code: { text: 'note' }, subject: { reference: patientUrl } }, request: { method: 'POST', url: 'Basic' } },
        ],
      }),
    })) as Bundle;
    expect(response.type).toBe('transaction-response');
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created']);
  });
});
