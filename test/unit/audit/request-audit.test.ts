import { RequestAudit } from '../../../src/audit/request-audit';
import type { AuthContext } from '../../../src/auth/context';

const auth = { clientId: 'odense-app', kind: 'system', organization: 'Organization/0461', scopes: [] } as unknown as AuthContext;
const clock = { now: () => new Date('2026-05-01T08:00:00.000Z') };

function audit(method: string, route: string, url: string, data: { touched?: string[]; denied?: string[]; rids?: string[] }) {
  return new RequestAudit(
    { requestId: 'req-1', method, route, url },
    { auth, touched: new Set(data.touched ?? []), denied: new Set(data.denied ?? []), touchedRids: data.rids ?? [] },
    clock,
  );
}

describe('RequestAudit', () => {
  it('records a refused read apart, as refused, even though the request failed', () => {
    const records = audit('GET', '/fhir/:type/:id', '/fhir/Observation/o1', { denied: ['pA'] }).leftover(404);
    expect(records).toEqual([expect.objectContaining({ patients: ['pA'], refused: true, status: 404, action: 'R', clientId: 'odense-app' })]);
  });

  it('records refused accesses of a failed write, but not the write', () => {
    const records = audit('PUT', '/fhir/:type/:id', '/fhir/Observation/o1', { touched: ['pB'], denied: ['pA'] }).leftover(403);
    expect(records.map((r) => [r.patients, r.refused])).toEqual([[['pA'], true]]);
  });

  it('keeps reached and refused patients in separate records', () => {
    const records = audit('POST', '/fhir', '/fhir', { touched: ['pB'], denied: ['pA'] }).leftover(200);
    expect(records.map((r) => [r.patients, r.refused])).toEqual([[['pB'], false], [['pA'], true]]);
  });

  it('records a create that found its If-None-Exist match (200) as a read', () => {
    const [record] = audit('POST', '/fhir/:type', '/fhir/Patient', { rids: ['17'] }).leftover(200);
    expect(record).toMatchObject({ interaction: 'create', action: 'R', rids: ['17'] });
  });

  it('masks percent-encoded CPR numbers in path and query', () => {
    const [record] = audit('GET', '/fhir/:type/:id', '/fhir/Patient/%30101504321?x=%&ref=010150%2D4321+y', { touched: ['p'] }).leftover(200);
    expect(record.path).toBe('/fhir/Patient/xxxxxx-xxxx');
    expect(record.query).toBe('x=%&ref=xxxxxx-xxxx y');
  });
});
