import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import { compilePrimitiveTypes, xsdToJs, type PrimitiveType } from '../../../../src/fhir/validation/primitives';

/** https://hl7.org/fhir/R4/datatypes.html#primitive: each type's value domain, good and bad values. */
let types: Map<string, PrimitiveType>;
beforeAll(() => {
  types = compilePrimitiveTypes(loadDefinitions());
});

const valid: [string, (string | number | boolean)[]][] = [
  ['boolean', [true, false]],
  ['integer', [0, -2147483648, 2147483647, 42]],
  ['positiveInt', [1, 2147483647]],
  ['unsignedInt', [0, 2147483647]],
  ['decimal', [0, -1.5, 1e-7, 94.25]],
  ['string', ['x', ' leading space', 'Program\u00a0', 'line\nbreak', 'tab\there', 'crlf\r\n', 'smil\ud83d\ude00e']],
  ['code', ['final', 'in progress', 'a\u00a0b']],
  ['id', ['a', 'citizen-0101.v2', 'A'.repeat(64)]],
  ['date', ['2026', '2026-03', '2026-03-01', '2024-02-29', '2000-02-29']],
  ['dateTime', ['2026', '2026-03-01', '2026-03-01T08:15:00Z', '2026-03-01T08:15:00.123+01:00', '2026-06-30T23:59:60+14:00']],
  ['instant', ['2026-03-01T08:15:00Z', '2026-03-01T08:15:00.123456+01:00']],
  ['time', ['08:00:00', '23:59:59.5']],
  ['uri', ['urn:oid:1.2.208.176.1.2', 'http://example.org/a?b=c', 'Patient/1']],
  ['url', ['https://example.org/fhir']],
  ['canonical', ['http://example.org/fhir/Questionnaire/q|1.0']],
  ['oid', ['urn:oid:1.2.208.176.1.2']],
  ['uuid', ['urn:uuid:6f1c2b8e-3d4a-4b5c-9e8f-0a1b2c3d4e5f']],
  ['markdown', ['**Bemærk**: mål om morgenen']],
  ['base64Binary', ['aGVsbG8=', 'aGVs bG8=', 'aGVs\nbG8=']],
  ['xhtml', ['<div xmlns="http://www.w3.org/1999/xhtml">x</div>']],
];

const invalid: [string, (string | number)[]][] = [
  ['integer', [1.5, 2147483648, -2147483649]],
  ['positiveInt', [0, -1]],
  ['unsignedInt', [-1, 2147483648]],
  ['decimal', [Infinity]],
  // https://hl7.org/fhir/R4/datatypes.html#string: no C0 controls but tab, CR and LF
  ['string', ['', 'x'.repeat(1048577), 'a\u0000b', '\u0001', 'bell\u0007', 'esc\u001b[0m', 'vt\u000b', 'half\ud800', '\udfffx', 'a\ude00\ud83d']],
  ['markdown', ['nul\u0000']],
  ['code', ['', ' final', 'final ', 'in  progress', 'fin\u0000al']],
  ['id', ['', 'a b', 'a_b', 'a/b', 'A'.repeat(65)]],
  ['date', ['2026-13-45', '2026-02-30', '2023-02-29', '1900-02-29', '2026-04-31', '26-03-01', '2026-3-1', '0000', '2026-03-01T08:00:00Z']],
  ['dateTime', ['2026-03-01T08:15:00', '2026-03-01T08:15Z', '2026-02-30T08:15:00Z', '2026-03-01 08:15:00Z', '2026-03-01T24:00:00Z']],
  ['instant', ['2026-03-01', '2026-03-01T08:15:00', '2026-02-29T08:15:00Z']],
  ['time', ['8:00', '08:00', '24:00:00', '08:00:00Z']],
  ['uri', ['', 'has space', 'http://x/\u0000']],
  ['oid', ['1.2.208', 'urn:oid:1.02']],
  ['uuid', ['6f1c2b8e-3d4a-4b5c-9e8f-0a1b2c3d4e5f', 'urn:uuid:6F1C2B8E-3D4A-4B5C-9E8F-0A1B2C3D4E5F']],
  ['base64Binary', ['aGVsbG8', 'aGVs*G8=', '']],
];

describe.each(valid)('%s accepts', (code, values) => {
  it.each(values.map((v) => [String(v).slice(0, 40), v]))('%s', (_label, value) => {
    expect(types.get(code)!.check(value)).toBeUndefined();
  });
});

describe.each(invalid)('%s rejects', (code, values) => {
  it.each(values.map((v) => [String(v).slice(0, 40), v]))('%s', (_label, value) => {
    expect(types.get(code)!.check(value)).toEqual(expect.any(String));
  });
});

it('maps R4 JSON representations: numbers and booleans unquoted, everything else a string', () => {
  // https://hl7.org/fhir/R4/json.html#primitive
  const json = Object.fromEntries([...types.values()].map((t) => [t.code, t.json]));
  expect(json).toMatchObject({ boolean: 'boolean', integer: 'number', decimal: 'number', positiveInt: 'number', unsignedInt: 'number' });
  expect(json).toMatchObject({ date: 'string', dateTime: 'string', code: 'string', base64Binary: 'string', id: 'string' });
});

it('checks a long invalid base64Binary in linear time (the published regex backtracks)', () => {
  const start = Date.now();
  expect(types.get('base64Binary')!.check(`${'aGVs '.repeat(20000)}!`)).toEqual(expect.any(String));
  expect(Date.now() - start).toBeLessThan(200);
});

it('translates XML Schema \\s and \\S, which know only space, tab, CR and LF', () => {
  const code = new RegExp(`^(?:${xsdToJs('[^\\s]+(\\s[^\\s]+)*')})$`);
  expect(code.test('a\u00a0b')).toBe(true);
  expect(code.test('a\tb')).toBe(true);
  expect(code.test('a\t\tb')).toBe(false);
  expect(new RegExp(`^(?:${xsdToJs('\\S*')})$`).test('a\u2003b')).toBe(true);
});

