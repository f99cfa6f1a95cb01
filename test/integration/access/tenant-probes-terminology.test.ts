import { nonCprUuid } from '../../support/ids';
import { buildFixture, call, CLIENT_KINDS, HIDDEN_KEYS, type Fixture } from './tenants';

/**
 * The terminology operations and $snapshot at instance level read the resource the URL names:
 * - the definitional resources are shared: a client of A and one of B get the same answer;
 * - an id of A's hidden data (a Patient, an Observation…) under a terminology type answers
 *   exactly like an id that does not exist, for every client of B;
 * - a deleted ValueSet's canonical URL answers like one that never existed.
 */
describe('cross-tenant probes: terminology operations', () => {
  let f: Fixture;
  let deletedUrl = '';
  const missingUrl = `https://kolibri.test/fhir/ValueSet/never-${nonCprUuid()}`;

  beforeAll(async () => {
    f = await buildFixture();
    deletedUrl = `https://kolibri.test/fhir/ValueSet/deleted-${nonCprUuid()}`;
    const made = await call(f.t, f.operatorToken, 'POST', '/fhir/ValueSet', { resourceType: 'ValueSet', url: deletedUrl, status: 'active', compose: { include: [{ system: 'urn:x', concept: [{ code: 'a' }] }] } });
    expect(made.status).toBe(201);
    expect([200, 204]).toContain((await call(f.t, f.operatorToken, 'DELETE', `/fhir/ValueSet/${made.json().id}`)).status);
  }, 120_000);
  afterAll(() => f.t.close());

  const OPERATIONS = [
    'ValueSet/{id}/$expand',
    'ValueSet/{id}/$validate-code?system=urn:x&code=a',
    'CodeSystem/{id}/$validate-code?code=a',
    'CodeSystem/{id}/$subsumes?codeA=a&codeB=b',
    'ConceptMap/{id}/$translate?system=urn:x&code=a',
    'StructureDefinition/{id}/$snapshot',
  ];
  const scrub = (body: string) =>
    body
      .replace(/"id":"[^"]+"/g, '"id":"<id>"')
      .replace(/[A-Za-z]+\/[A-Za-z0-9.-]+ is not known/g, '<id> is not known')
      .replace(/"identifier":"urn:uuid:[^"]+"/g, '')
      .replace(/"timestamp":"[^"]+"/g, '');

  it("the shared ValueSet expands alike for A's and B's clients", async () => {
    for (const kind of CLIENT_KINDS) {
      const url = `/fhir/ValueSet/${f.defs.valueSet.id}/$expand`;
      const a = await call(f.t, f.a.tokens[kind], 'GET', url);
      const b = await call(f.t, f.b.tokens[kind], 'GET', url);
      expect([kind, b.status, scrub(b.body)]).toEqual([kind, a.status, scrub(a.body)]);
      expect([200, 403]).toContain(a.status);
    }
    const system = await call(f.t, f.b.tokens.system, 'GET', `/fhir/ValueSet/${f.defs.valueSet.id}/$expand`);
    expect(system.json().expansion.contains.map((c: { code: string }) => c.code)).toEqual(['NPU03011']);
  }, 60_000);

  it("A's hidden ids under the terminology types answer like nonexistent ids, for every client of B", async () => {
    let probes = 0;
    for (const kind of CLIENT_KINDS) {
      for (const op of OPERATIONS) {
        const missing = await call(f.t, f.b.tokens[kind], 'GET', `/fhir/${op.replace('{id}', nonCprUuid())}`);
        expect([kind, op, missing.status]).toEqual([kind, op, kind === 'system' || kind === 'clinician' ? 404 : missing.status]);
        for (const key of HIDDEN_KEYS) {
          const hidden = await call(f.t, f.b.tokens[kind], 'GET', `/fhir/${op.replace('{id}', f.a.ids[key])}`);
          expect([kind, op, key, hidden.status, scrub(hidden.body)]).toEqual([kind, op, key, missing.status, scrub(missing.body)]);
          probes++;
        }
      }
    }
    expect(probes).toBe(CLIENT_KINDS.length * OPERATIONS.length * HIDDEN_KEYS.length);
  }, 120_000);

  it("$translate without a named map (a ConceptMap search) answers alike for A's and B's clients", async () => {
    const url = `/fhir/ConceptMap/$translate?system=${encodeURIComponent('urn:oid:1.2.208.176.2.1')}&code=NPU03011`;
    for (const kind of CLIENT_KINDS) {
      const a = await call(f.t, f.a.tokens[kind], 'GET', url);
      const b = await call(f.t, f.b.tokens[kind], 'GET', url);
      expect([kind, b.status, b.body]).toEqual([kind, a.status, a.body]);
      expect([200, 403]).toContain(a.status);
    }
  }, 60_000);

  it("a deleted ValueSet's url answers like one that never existed", async () => {
    for (const kind of CLIENT_KINDS) {
      for (const path of ['$expand?url=', '$validate-code?system=urn:x&code=a&url=']) {
        const deleted = await call(f.t, f.b.tokens[kind], 'GET', `/fhir/ValueSet/${path}${encodeURIComponent(deletedUrl)}`);
        const missing = await call(f.t, f.b.tokens[kind], 'GET', `/fhir/ValueSet/${path}${encodeURIComponent(missingUrl)}`);
        if (kind === 'system') expect(deleted.status).toBe(404);
        expect([kind, path, deleted.status, deleted.body.replaceAll(deletedUrl, '<url>')]).toEqual([kind, path, missing.status, missing.body.replaceAll(missingUrl, '<url>')]);
      }
    }
  }, 60_000);
});
