import { FhirError } from '../../../src/fhir/outcome';
import { FHIR_JSON, isFhirJson, negotiateFormat, parseMediaType } from '../../../src/http/content-type';

/** Every FHIR JSON form, as a client may write it (https://hl7.org/fhir/R4/http.html#mime-type). */
const FHIR_JSON_FORMS = [
  'application/fhir+json',
  'application/json+fhir',
  'application/json',
  'application/fhir+json; fhirVersion=4.0',
  'application/fhir+json;fhirVersion=4.0.1',
  'application/json+fhir; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/fhir+json; charset=utf-8; fhirVersion=4.0',
  'APPLICATION/FHIR+JSON',
  'application/fhir+json; fhirVersion="4.0"',
];
const XML_FORMS = ['application/fhir+xml', 'application/xml+fhir', 'application/xml', 'text/xml', 'application/fhir+xml; fhirVersion=4.0'];
const OTHER_RELEASES = ['application/fhir+json; fhirVersion=3.0', 'application/json+fhir; fhirVersion=1.0', 'application/fhir+json; fhirVersion=5.0'];

function statusOf(run: () => unknown): number {
  try {
    run();
    return 200;
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    return err.status;
  }
}

describe('parseMediaType', () => {
  it('lower-cases type and parameter names and unquotes values', () => {
    expect(parseMediaType('Application/FHIR+JSON ; FhirVersion="4.0"; charset=UTF-8')).toEqual({
      type: 'application/fhir+json',
      params: { fhirversion: '4.0', charset: 'UTF-8' },
    });
  });
});

describe('FHIR JSON media types, the same in Content-Type, Accept and _format', () => {
  it.each(FHIR_JSON_FORMS)('%p is FHIR JSON', (form) => {
    expect(isFhirJson(form)).toBe(true);
    expect(negotiateFormat(form, undefined)).toBe(FHIR_JSON);
    expect(negotiateFormat(undefined, form)).toBe(FHIR_JSON);
  });

  it.each([...XML_FORMS, ...OTHER_RELEASES, 'text/turtle', 'application/json-patch+json'])('%p is not: _format and Accept answer 406', (form) => {
    expect(isFhirJson(form)).toBe(false);
    expect(statusOf(() => negotiateFormat(form, undefined))).toBe(406);
    expect(statusOf(() => negotiateFormat(undefined, form))).toBe(406);
  });

  it.each([
    ['json', FHIR_JSON],
    // an unencoded + in a query string arrives as a space
    ['application/fhir json', FHIR_JSON],
    ['application/json fhir', FHIR_JSON],
    ['application/fhir json;fhirVersion=4.0', FHIR_JSON],
  ])('_format=%p → FHIR JSON', (format, type) => {
    expect(negotiateFormat(format, undefined)).toBe(type);
  });

  it.each(['xml', 'ttl', 'html'])('_format=%p → 406', (format) => {
    expect(statusOf(() => negotiateFormat(format, undefined))).toBe(406);
  });

  it('says XML is not supported when XML was asked for', () => {
    expect(() => negotiateFormat('xml', undefined)).toThrow(/XML is not supported/);
    expect(() => negotiateFormat(undefined, 'application/fhir+xml')).toThrow(/XML is not supported/);
  });

  it.each([
    [undefined, FHIR_JSON],
    ['*/*', FHIR_JSON],
    ['application/*', FHIR_JSON],
    ['text/html,application/xhtml+xml', FHIR_JSON],
    ['application/fhir+xml, application/fhir+json;q=0.5', FHIR_JSON],
    ['application/json+fhir;q=0.9, */*;q=0.1', FHIR_JSON],
  ])('Accept %p → FHIR JSON', (accept, type) => {
    expect(negotiateFormat(undefined, accept)).toBe(type);
  });

  it.each(['application/fhir+json;q=0', 'application/fhir+xml, application/fhir+json;q=0.0', 'text/turtle'])('Accept %p → 406', (accept) => {
    expect(statusOf(() => negotiateFormat(undefined, accept))).toBe(406);
  });

  it('_format wins over Accept', () => {
    expect(negotiateFormat('json', 'application/fhir+xml')).toBe(FHIR_JSON);
    expect(statusOf(() => negotiateFormat('xml', 'application/fhir+json'))).toBe(406);
  });
});
