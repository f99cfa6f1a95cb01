import { maskCpr } from '../../../src/audit/cpr';
import { auditEventFor, interactionOf, type AuditRecord } from '../../../src/audit/record';
import { createValidator } from '../../../src/fhir/validation/validator';
import { loadDefinitions } from '../../../src/fhir/definitions/load';

describe('audit records', () => {
  it('mask CPR numbers wherever they stand, with or without the hyphen', () => {
    expect(maskCpr('identifier=urn:oid:1.2.208.176.1.2|0101504321')).toBe('identifier=urn:oid:1.2.208.176.1.2|xxxxxx-xxxx');
    expect(maskCpr('010150-4321 and 3112991234')).toBe('xxxxxx-xxxx and xxxxxx-xxxx');
    // not every number is a CPR: longer digit runs, codes and versions stay
    expect(maskCpr('_count=20&code=NPU03011&x=01015043210')).toBe('_count=20&code=NPU03011&x=01015043210');
  });

  it.each([
    ['GET', '/fhir/:type/:id', 'read', 'R'],
    ['GET', '/fhir/:type/:id/_history/:vid', 'vread', 'R'],
    ['GET', '/fhir/:type/:id/_history', 'history-instance', 'R'],
    ['GET', '/fhir/:type/_history', 'history-type', 'R'],
    ['GET', '/fhir/_history', 'history-system', 'R'],
    ['GET', '/fhir/:type', 'search-type', 'R'],
    ['POST', '/fhir/:type/_search', 'search-type', 'R'],
    ['GET', '/fhir/:compartment/:id/:type', 'search-type', 'R'],
    ['GET', '/fhir', 'search-system', 'R'],
    ['POST', '/fhir/:type', 'create', 'C'],
    ['PUT', '/fhir/:type/:id', 'update', 'U'],
    ['PATCH', '/fhir/:type/:id', 'patch', 'U'],
    ['DELETE', '/fhir/:type/:id', 'delete', 'D'],
    ['POST', '/fhir', 'transaction', 'E'],
    ['POST', '/fhir/:type/$validate', 'operation', 'E'],
  ])('%s %s is the RESTful interaction %s (action %s)', (method, route, interaction, action) => {
    expect(interactionOf(method, route)).toEqual({ interaction, action });
  });

  it('builds an AuditEvent that is a valid R4 resource naming client, organization, patient and request', () => {
    const record: AuditRecord = {
      recorded: '2026-05-01T08:00:00.000Z',
      requestId: 'req-1',
      clientId: 'aalborg-app',
      clientKind: 'system',
      organization: 'Organization/0851',
      practitioner: 'Practitioner/7',
      interaction: 'search-type',
      action: 'R',
      status: 200,
      method: 'GET',
      path: '/fhir/Observation',
      query: 'subject=Patient/p1',
      patients: ['p1'],
      rids: [],
      refused: false,
    };
    const event = auditEventFor(record, 'p1');
    expect(createValidator(loadDefinitions()).validate(event, { type: 'AuditEvent' }).filter((i) => i.severity === 'error')).toEqual([]);
    expect(event.agent[0]).toMatchObject({ altId: 'aalborg-app', requestor: true, who: { reference: 'Organization/0851' } });
    expect(event.agent[1]).toMatchObject({ who: { reference: 'Practitioner/7' } });
    expect(event.entity?.[0].what).toEqual({ reference: 'Patient/p1' });
    expect(Buffer.from(event.entity?.[1].query as string, 'base64').toString()).toBe('subject=Patient/p1');
    expect(event.outcome).toBe('0');
  });

  it('records a refused access as a minor failure, whatever the response status', () => {
    const record: AuditRecord = {
      recorded: '2026-05-01T08:00:00.000Z', requestId: 'req-2', clientId: 'odense-app', clientKind: 'system', organization: 'Organization/0461',
      interaction: 'read', action: 'R', status: 404, method: 'GET', path: '/fhir/Observation/o1', patients: ['p1'], rids: [], refused: true,
    };
    const refused = auditEventFor(record, 'p1');
    expect(createValidator(loadDefinitions()).validate(refused, { type: 'AuditEvent' }).filter((i) => i.severity === 'error')).toEqual([]);
    expect(refused).toMatchObject({ outcome: '4', action: 'R', entity: [{ what: { reference: 'Patient/p1' } }, {}], agent: [{ altId: 'odense-app' }] });
    expect(refused.outcomeDesc).toMatch(/refused/);
    // a GET entry refused inside a batch answered 200
    expect(auditEventFor({ ...record, interaction: 'batch', action: 'E', status: 200 }, 'p1').outcome).toBe('4');
    expect(auditEventFor({ ...record, refused: false, status: 200 }, 'p1').outcome).toBe('0');
    expect(auditEventFor({ ...record, refused: false, status: 503 }, 'p1').outcome).toBe('8');
  });
});
