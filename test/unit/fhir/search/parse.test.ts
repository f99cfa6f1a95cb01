import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import type { DefinitionRegistry } from '../../../../src/fhir/definitions/registry';
import { FhirError } from '../../../../src/fhir/outcome';
import { parseSearch } from '../../../../src/fhir/search/parse';
import { paramKey } from '../../../../src/fhir/search/param-key';
import { MAX_SEARCH_PARAMETERS, MAX_VALUES_PER_PARAMETER } from '../../../../src/fhir/search/limits';

let registry: DefinitionRegistry;
beforeAll(() => {
  registry = loadDefinitions();
});

const parse = (resourceType: string | undefined, query: string, strict = false) =>
  parseSearch({ resourceType, params: [...new URLSearchParams(query).entries()], strict }, { registry, baseUrl: 'http://k.test/fhir' });

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof FhirError ? err.status : -1;
  }
  return undefined;
}

describe('parseSearch', () => {
  it('parses token, reference and date criteria with modifiers and prefixes', () => {
    const { request, issues } = parse('Observation', 'code=urn:oid:1.2.208.176.2.1|NPU03011,NPU21692&subject:Patient=p1&date=ge2026-05&status:not=cancelled');
    expect(issues).toEqual([]);
    expect(request.criteria).toEqual([
      {
        kind: 'param',
        code: 'code',
        type: 'token',
        types: ['Observation'],
        modifier: undefined,
        values: [
          { kind: 'code', system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' },
          { kind: 'code', code: 'NPU21692' },
        ],
      },
      { kind: 'param', code: 'subject', type: 'reference', types: ['Observation'], modifier: 'Patient', values: [{ kind: 'local', targetType: 'Patient', id: 'p1' }] },
      {
        kind: 'param',
        code: 'date',
        type: 'date',
        types: ['Observation'],
        modifier: undefined,
        values: [{ prefix: 'ge', range: { low: '2026-05-01T00:00:00.000Z', high: '2026-06-01T00:00:00.000Z' } }],
      },
      { kind: 'param', code: 'status', type: 'token', types: ['Observation'], modifier: 'not', values: [{ kind: 'code', code: 'cancelled' }] },
    ]);
  });

  it('keeps escaped commas and bars inside values', () => {
    const { request } = parse('Patient', 'identifier=a\\|b|c\\,d');
    expect(request.criteria[0]).toMatchObject({ values: [{ kind: 'code', system: 'a|b', code: 'c,d' }] });
  });

  it('reports unknown parameters as warnings when lenient and rejects them when strict', () => {
    const { request, issues } = parse('Patient', 'foo=1&name=x');
    expect(request.criteria).toHaveLength(1);
    expect(issues).toEqual([expect.objectContaining({ severity: 'warning', code: 'not-supported', expression: ['foo'] })]);
    expect(status(() => parse('Patient', 'foo=1', true))).toBe(400);
    expect(status(() => parse('Patient', '_text=x', true))).toBe(400);
  });

  it.each([
    ['Observation', 'date=2026-13-45'],
    ['Observation', 'date=xx2026'],
    ['Observation', `date=ge2026-05-15T10:00:00.${'1'.repeat(18)}Z`],
    ['Observation', 'value-quantity=abc'],
    ['Patient', 'name:below=x'],
    ['Patient', 'gender:missing=maybe'],
    ['Patient', '_count=-1'],
    ['Patient', '_total=some'],
    ['Patient', '_sort=nonsense'],
    ['Observation', '_include=Observation:status'],
    ['Observation', 'subject.organization.partof.partof.name=x'],
  ])('rejects malformed %s?%s with 400 even when lenient', (type, query) => {
    expect(status(() => parse(type, query))).toBe(400);
  });

  it('resolves chains into the target types that have the next parameter', () => {
    // Observation.subject targets Group, Device, Patient and Location; only Patient and Location have `name`
    const { request } = parse('Observation', 'subject.name=peter');
    expect(request.criteria[0]).toMatchObject({ kind: 'chain', code: 'subject', targetTypes: ['Patient', 'Location'], next: { kind: 'param', code: 'name', types: ['Patient', 'Location'] } });
    const typed = parse('Observation', 'subject:Patient.name=peter').request;
    expect(typed.criteria[0]).toMatchObject({ targetTypes: ['Patient'] });
  });

  it('parses _has, result parameters and includes', () => {
    const { request } = parse(
      'Patient',
      '_has:Observation:patient:code=1234&_sort=-birthdate,_id&_count=5000&_total=accurate&_summary=true&_elements=name,gender&_revinclude=Observation:subject&_include:iterate=Patient:organization',
    );
    expect(request.criteria[0]).toMatchObject({ kind: 'has', sourceType: 'Observation', code: 'patient', next: { code: 'code' } });
    expect(request.sort).toEqual([
      { kind: 'param', code: 'birthdate', type: 'date', types: ['Patient'], descending: true },
      { kind: 'column', column: 'id', descending: false },
    ]);
    expect(request.count).toBe(1000);
    expect(request.total).toBe('accurate');
    expect(request.summary).toBe('true');
    expect(request.elements).toEqual(['name', 'gender']);
    expect(request.revinclude).toEqual([{ sourceType: 'Observation', code: 'subject', targetType: undefined, iterate: false, keys: [paramKey('Observation', 'subject')] }]);
    expect(request.include[0]).toMatchObject({ sourceType: 'Patient', code: 'organization', iterate: true });
  });

  it('takes the types of a system search from _type', () => {
    expect(parse(undefined, '_type=Patient,Practitioner&name=x').request.types).toEqual(['Patient', 'Practitioner']);
    expect(status(() => parse(undefined, '_type=Nope'))).toBe(400);
  });

  it('leaves out the types of _type:not', () => {
    const all = parse(undefined, '_type:not=Patient').request.types;
    expect(all).not.toContain('Patient');
    expect(all).toContain('Observation');
    expect(parse(undefined, '_type=Patient,Practitioner&_type:not=Patient').request.types).toEqual(['Practitioner']);
    expect(status(() => parse(undefined, '_type=Patient&_type:not=Patient'))).toBe(400);
    expect(status(() => parse(undefined, '_type:below=Patient'))).toBe(400);
  });

  it('reads quantity values with one separator as number|system', () => {
    const values = (q: string) => (parse('Observation', q).request.criteria[0] as { values: unknown[] }).values;
    expect(values('value-quantity=5|http://example.org/system1')).toEqual([expect.objectContaining({ system: 'http://example.org/system1', code: undefined })]);
    expect(values('value-quantity=5||mg')).toEqual([expect.objectContaining({ system: undefined, code: 'mg' })]);
    expect(values('value-quantity=5.4|http://unitsofmeasure.org|kg')).toEqual([
      expect.objectContaining({ canonical: { code: 'g', number: { prefix: 'eq', range: { value: '5400', low: '5350', high: '5450' } } } }),
    ]);
    expect(status(() => parse('Observation', 'value-quantity=5|a|b|c'))).toBe(400);
  });
});

describe('parseSearch refuses control characters', () => {
  // Criteria reach the parser from If-None-Exist, bundle entry urls and form bodies too, where
  // no HTTP hook sees them decoded; PostgreSQL cannot hold U+0000 in text.
  it.each([
    ['name', 'a\u0000'],
    ['identifier', 'sys|\u0000'],
    ['subject', 'Patient/\u0000'],
    ['_has:Observation:patient:code', '\u0000'],
    ['subject:Patient.name', '\u0007'],
    ['_sort', 'name\u0000'],
    ['na\u0000me', 'x'],
  ])('%j=%j → 400 naming the parameter', (name, value) => {
    expect(status(() => parseSearch({ resourceType: 'Observation', params: [[name, value]] }, { registry }))).toBe(400);
    try {
      parseSearch({ resourceType: 'Observation', params: [[name, value]] }, { registry });
    } catch (err) {
      expect((err as FhirError).issues[0].expression).toEqual([name.replace('\u0000', '\\u0000')]);
    }
  });
});

describe('parseSearch limits (limits.ts)', () => {
  const repeated = (n: number, name = 'name', value = 'a') => Array.from({ length: n }, (_, i) => [name, `${value}${i}`] as [string, string]);
  const run = (params: Array<[string, string]>) => parseSearch({ resourceType: 'Patient', params }, { registry });

  it(`takes ${MAX_SEARCH_PARAMETERS} parameters and refuses one more with a 400 too-costly`, () => {
    expect(run(repeated(MAX_SEARCH_PARAMETERS)).request.criteria).toHaveLength(MAX_SEARCH_PARAMETERS);
    expect(status(() => run(repeated(MAX_SEARCH_PARAMETERS + 1)))).toBe(400);
    try {
      run(repeated(1000));
    } catch (err) {
      expect((err as FhirError).issues[0]).toMatchObject({ code: 'too-costly' });
      expect((err as FhirError).issues[0].diagnostics).toContain(String(MAX_SEARCH_PARAMETERS));
    }
  });

  it('does not count _format and _pretty', () => {
    expect(run([...repeated(MAX_SEARCH_PARAMETERS), ['_format', 'json'], ['_pretty', 'true']]).request.criteria).toHaveLength(MAX_SEARCH_PARAMETERS);
  });

  it(`takes ${MAX_VALUES_PER_PARAMETER} comma values of one parameter and refuses one more, escaped commas aside`, () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`).join(',');
    expect(run([['name', values(MAX_VALUES_PER_PARAMETER)]]).request.criteria[0]).toMatchObject({ values: expect.any(Array) });
    expect(status(() => run([['name', values(MAX_VALUES_PER_PARAMETER + 1)]]))).toBe(400);
    expect(status(() => run([['_id', values(MAX_VALUES_PER_PARAMETER + 1)]]))).toBe(400);
    expect(status(() => run([['_sort', Array(MAX_VALUES_PER_PARAMETER + 1).fill('name').join(',')]]))).toBe(400);
    expect(status(() => run([['name', Array(MAX_VALUES_PER_PARAMETER + 5).fill('a').join('\\,')]]))).toBeUndefined();
  });
});
