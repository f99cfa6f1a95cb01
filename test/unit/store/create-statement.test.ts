import { createStatement } from '../../../src/store/create-statement';
import type { Bind } from '../../../src/store/index-writer';

const row = (id: string) => ({ resourceType: 'Observation', id, now: '2026-12-05T06:00:00.000Z', json: `{"id":"${id}"}`, owner: 'org', accessPatients: null });
const oneTable = (source: string, bind: Bind) => ({ ctes: [`ins_uri AS (INSERT INTO search_uri (rid, value) SELECT ${source}.rid, x.* FROM ${source}, unnest(${bind(['u'], 'text[]')}) x)`], shape: '40' });
const record = { recorded: '2026-12-05T06:00:00.000Z', requestId: 'r', clientId: 'c', clientKind: 'system', interaction: 'create', action: 'C' as const, status: 201, method: 'POST', path: '/fhir/Observation', patients: ['p'], rids: [], refused: false };

describe('createStatement', () => {
  it('names one prepared statement per shape: same shape, same text; values differ', () => {
    const a = createStatement(row('a'), { index: oneTable, audit: [record] });
    const b = createStatement(row('b'), { index: oneTable, audit: [{ ...record, patients: ['q', 'r'] }] });
    expect(a.name).toBe(b.name);
    expect(a.text).toBe(b.text);
    expect(a.values).not.toEqual(b.values);
    expect(a.name.length).toBeLessThan(64); // PostgreSQL truncates longer names
  });

  it('inserts the audit record only with the resource, and only when there is one', () => {
    const withAudit = createStatement(row('a'), { index: oneTable, audit: [record] });
    expect(withAudit.text).toMatch(/INSERT INTO audit_outbox[\s\S]*WHERE EXISTS \(SELECT 1 FROM r\)/);
    const without = createStatement(row('a'), { index: oneTable, audit: [] });
    expect(without.text).not.toContain('audit_outbox');
    expect(without.name).not.toBe(withAudit.name);
  });

  it('puts the condition on the resource insert, which every other insert hangs off', () => {
    const s = createStatement(row('a'), { index: oneTable, audit: [record], condition: { shape: 'c1', sql: (bind) => `${bind(true, 'boolean')}` } });
    expect(s.name).toContain('c1');
    expect(s.text).toMatch(/INSERT INTO resource \([^)]*\)\s+SELECT [^;]* WHERE \$\d+::boolean RETURNING rid/);
    expect(s.text).toMatch(/INSERT INTO resource_version[\s\S]*FROM r\)/);
    expect(s.text).toMatch(/FROM r, unnest/);
    expect(s.values).toContain(true);
  });
});
