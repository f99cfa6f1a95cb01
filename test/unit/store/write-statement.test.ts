import { createStatement, updateStatement } from '../../../src/store/write-statement';
import type { Bind } from '../../../src/store/index-writer';

const row = (id: string) => ({ resourceType: 'Observation', id, now: '2026-12-05T06:00:00.000Z', json: `{"id":"${id}"}`, owner: 'org', accessPatients: null });
const oneTable = (source: string, bind: Bind, replace = false) => ({ ctes: [...(replace ? [`del_uri AS (DELETE FROM search_uri WHERE rid IN (SELECT rid FROM ${source}))`] : []), `ins_uri AS (INSERT INTO search_uri (rid, value) SELECT ${source}.rid, x.* FROM ${source}, unnest(${bind(['u'], 'text[]')}) x)`], shape: `${replace ? 'r' : ''}40` });
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
    expect(withAudit.text).toMatch(/INSERT INTO audit_outbox[\s\S]*WHERE EXISTS \(SELECT 1 FROM w\)/);
    const without = createStatement(row('a'), { index: oneTable, audit: [] });
    expect(without.text).not.toContain('audit_outbox');
    expect(without.name).not.toBe(withAudit.name);
  });

  it('puts the condition on the resource insert, which every other insert hangs off', () => {
    const s = createStatement(row('a'), { index: oneTable, audit: [record], condition: { shape: 'c1', sql: (bind) => `${bind(true, 'boolean')}` } });
    expect(s.name).toContain('c1');
    expect(s.text).toMatch(/INSERT INTO resource \([^)]*\)\s+SELECT [^;]* WHERE \$\d+::boolean RETURNING rid/);
    expect(s.text).toMatch(/INSERT INTO resource_version[\s\S]*FROM w\)/);
    expect(s.text).toMatch(/FROM w, unnest/);
    expect(s.values).toContain(true);
  });

  it('updates only the version the caller decided on, and replaces its index rows', () => {
    const s = updateStatement({ ...row('a'), seen: 4, method: 'PUT' }, { index: oneTable, audit: [record] });
    expect(s.text).toMatch(/UPDATE resource[\s\S]*AND version_id = \$\d+::integer AND NOT deleted RETURNING rid/);
    expect(s.values).toContain(4);
    expect(s.values).toContain(5); // the new versionId, in the current and the history row
    expect(s.text).toMatch(/del_uri AS \(DELETE FROM search_uri WHERE rid IN \(SELECT rid FROM w\)\)/);
    expect(s.name).not.toBe(createStatement(row('a'), { index: oneTable, audit: [record] }).name);
  });
});
