import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import type { DefinitionRegistry } from '../../../../src/fhir/definitions/registry';
import { compileSearch } from '../../../../src/store/search/compile';
import { encodeCursor } from '../../../../src/fhir/search/paging';
import { paramKey } from '../../../../src/fhir/search/param-key';
import { parseSearch } from '../../../../src/fhir/search/parse';
import { PLANNED_CRITERIA } from '../../../../src/fhir/search/limits';

let registry: DefinitionRegistry;
beforeAll(() => {
  registry = loadDefinitions();
});

const request = (resourceType: string, query: string) =>
  parseSearch({ resourceType, params: [...new URLSearchParams(query).entries()] }, { registry }).request;

describe('compileSearch', () => {
  it('compares a date bound finer than a microsecond at its own precision, not rounded', () => {
    const lt = compileSearch(request('Patient', 'birthdate=lt1981-01-01T00:00:00.0000001Z&_lastUpdated=ge2026-05-15T10:00:00.1234567Z'));
    expect(lt.match!.text).toContain('x1.low <= $3::timestamptz');
    expect(lt.match!.text).toContain('r.last_updated > $4::timestamptz');
    expect(lt.match!.values.slice(2, 4)).toEqual(['1981-01-01T00:00:00.000Z', '2026-05-15T10:00:00.123456Z']);
    const exact = compileSearch(request('Patient', 'birthdate=lt1981-01-01T00:00:00.000001Z'));
    expect(exact.match!.text).toContain('x1.low < $3::timestamptz');
  });

  it('compiles the vitals-graph query to one statement driven from the timeline index of the subject', () => {
    const compiled = compileSearch(request('Observation', 'subject=Patient/p1&code=urn:oid:1.2.208.176.2.1|NPU03011&_sort=-date&_count=20'));
    expect(compiled.match!.text).toBe(
      'SELECT r.rid, r.resource_type, r.id, r.content, NULLIF(tl.sort_desc, $8::timestamptz) AS k0' +
        ' FROM search_reference tl CROSS JOIN LATERAL (SELECT * FROM resource WHERE resource.rid = tl.rid OFFSET 0) r' +
        ' WHERE tl.param = $5::integer AND tl.target_id = $6 AND tl.target_type = $7' +
        ' AND r.resource_type = $1 AND NOT r.deleted' +
        ' AND (SELECT EXISTS (SELECT 1 FROM search_token x1 WHERE x1.rid = r.rid AND x1.param = $2::integer AND (x1.value = $3 AND x1.system = $4)))' +
        ' ORDER BY tl.sort_desc DESC, tl.rid ASC LIMIT (SELECT $9::integer)',
    );
    expect(compiled.match!.values).toEqual([
      'Observation',
      paramKey('Observation', 'code'),
      'NPU03011',
      'urn:oid:1.2.208.176.2.1',
      paramKey('Observation', 'subject'),
      'p1',
      'Patient',
      '-infinity',
      21,
    ]);
    expect(compiled.count).toBeUndefined();
  });

  it('starts the timeline range of a _page cursor at its key, and keeps the exact keyset for ties', () => {
    const sort = request('Observation', '_sort=-date').sort;
    const page = encodeCursor({ direction: 'next', keys: ['2026-05-01 06:30:00+00'], rid: '42' }, sort);
    const compiled = compileSearch(request('Observation', `subject=Patient/p1&_sort=-date&_page=${page}`));
    expect(compiled.match!.text).toContain('tl.target_type = $4 AND tl.sort_desc <= $5::timestamptz AND');
    expect(compiled.match!.text).toContain('(tl.sort_desc < $7::timestamptz OR (tl.sort_desc = $7::timestamptz AND tl.rid > $6::bigint)) ORDER BY tl.sort_desc DESC, tl.rid ASC');
    // a cursor on a resource without a date continues among those, at the sentinel
    const nulls = encodeCursor({ direction: 'previous', keys: [null], rid: '42' }, sort);
    const back = compileSearch(request('Observation', `subject=Patient/p1&_sort=-date&_page=${nulls}`));
    expect(back.match!.text).toContain('tl.sort_desc >= $5::timestamptz AND');
    expect(back.match!.text).toContain('ORDER BY tl.sort_desc ASC, tl.rid DESC');
    expect(back.match!.values).toContain('-infinity');
  });

  it('sorts generically when no single-target reference or no timeline key leads', () => {
    for (const query of ['subject=Patient/p1,Patient/p2&_sort=-date', 'subject=Patient/p1&_sort=-_lastUpdated', 'subject=Patient/p1&_sort=status,-date', 'subject=p1&_sort=-date']) {
      const text = compileSearch(request('Observation', query)).match!.text;
      expect(text).not.toContain('search_reference tl');
      expect(text).toContain('FROM resource r CROSS JOIN LATERAL');
    }
    expect(compileSearch(request('Task', 'owner=CareTeam/t1&_sort=authored-on')).match!.text).toContain('ORDER BY tl.sort_asc ASC, tl.rid ASC');
  });

  it('never puts values into the SQL text', () => {
    const evil = "x'; DROP TABLE resource; --";
    const compiled = compileSearch(request('Patient', `name=${encodeURIComponent(evil)}&identifier=${encodeURIComponent(evil)}&_id=abc`));
    expect(compiled.match!.text).not.toContain('DROP');
    expect(compiled.match!.values).toContain("x'; drop table resource; --%");
  });

  it('ANDs the access filter into match, count, chains, _has and includes', () => {
    const accessFilter = (alias: string, bind: (v: unknown) => string) => `${alias}.id <> ${bind('hidden')}`;
    const compiled = compileSearch(
      request('Observation', 'subject.name=x&_has:Provenance:target:agent=Practitioner/1&_total=accurate&_include=Observation:subject&_revinclude=Provenance:target'),
      { accessFilter },
    );
    // the match row, the chained Patient, the _has source
    expect(compiled.match!.text.match(/\.id <> \$/g)).toHaveLength(3);
    expect(compiled.match!.text).toContain('(r.id <> $');
    expect(compiled.count!.text.match(/\.id <> \$/g)).toHaveLength(3);
    expect(compiled.includes).toHaveLength(2);
    for (const inc of compiled.includes) expect(inc.query.text).toContain('(t.id <> $');
  });

  it('continues after a next token with a keyset condition, NULLs last', () => {
    const sortOnly = request('Observation', '_sort=-date');
    const token = encodeCursor({ direction: 'next', keys: ['2026-05-15 08:00:00+00'], rid: '42' }, sortOnly.sort);
    const compiled = compileSearch({ ...sortOnly, page: token });
    expect(compiled.match!.text).toContain('((sk.k0 < $4::timestamptz OR sk.k0 IS NULL) OR (sk.k0 = $4::timestamptz AND r.rid > $3::bigint))');
    expect(compiled.match!.values.slice(2, 4)).toEqual(['42', '2026-05-15 08:00:00+00']);
  });

  it('reads a previous page backwards', () => {
    const sortOnly = request('Observation', '_sort=date');
    const token = encodeCursor({ direction: 'previous', keys: [null], rid: '7' }, sortOnly.sort);
    const compiled = compileSearch({ ...sortOnly, page: token });
    expect(compiled.match!.text).toContain('(sk.k0 IS NOT NULL OR (sk.k0 IS NULL AND r.rid < $3::bigint))');
    expect(compiled.match!.text).toContain('ORDER BY sk.k0 DESC NULLS FIRST, r.rid DESC');
  });

  it('compiles _summary=count to a count only', () => {
    const compiled = compileSearch(request('Patient', 'gender=female&_summary=count'));
    expect(compiled.match).toBeUndefined();
    expect(compiled.count!.text).toMatch(/^SELECT count\(\*\) AS total FROM resource r WHERE r.resource_type = \$1 AND NOT r.deleted AND EXISTS/);
  });

  it('joins composite components on the same element', () => {
    const compiled = compileSearch(request('Observation', 'component-code-value-quantity=http://loinc.org|8480-6$gt140'));
    expect(compiled.match!.text).toContain('FROM search_token c1 JOIN search_quantity c2 ON c2.rid = c1.rid AND c2.grp = c1.grp');
    expect(compiled.match!.values).toContain(paramKey('Observation', 'component-code-value-quantity', '$0'));
    expect(compiled.match!.values).toContain(paramKey('Observation', 'component-code-value-quantity', '$1'));
  });

  it(`lets PostgreSQL plan the first ${PLANNED_CRITERIA} criteria as joins and fences the rest as per-row subplans`, () => {
    // planning many pulled-up EXISTS grows much faster than linearly (see limits.ts)
    const query = Array.from({ length: PLANNED_CRITERIA + 3 }, (_, i) => `name=n${i}`).join('&');
    const text = compileSearch(request('Patient', query)).match!.text;
    expect(text.match(/ AND EXISTS \(SELECT 1 FROM search_string/g)).toHaveLength(PLANNED_CRITERIA);
    expect(text.match(/ AND \(SELECT EXISTS \(SELECT 1 FROM search_string x\d+ WHERE [^)]*\)\)\)/g)).toHaveLength(3);
    const few = compileSearch(request('Patient', 'name=a&birthdate=2000')).match!.text;
    expect(few).not.toContain('(SELECT EXISTS');
  });
});
