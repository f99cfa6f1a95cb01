import { FhirError } from '../../../src/fhir/outcome';
import { FHIR_JSON, negotiateFormat } from '../../../src/http/content-type';

describe('negotiateFormat', () => {
  it.each([
    [undefined, undefined],
    ['json', undefined],
    ['application/fhir+json', undefined],
    [undefined, 'application/fhir+json'],
    [undefined, 'application/json, text/plain'],
    [undefined, '*/*'],
    [undefined, 'text/html,application/xhtml+xml'],
  ])('_format=%p Accept=%p → FHIR JSON', (format, accept) => {
    expect(negotiateFormat(format, accept)).toBe(FHIR_JSON);
  });

  it.each([
    ['xml', undefined],
    ['application/fhir+xml', undefined],
    [undefined, 'application/fhir+xml'],
    [undefined, 'text/turtle'],
  ])('_format=%p Accept=%p → 406', (format, accept) => {
    expect(() => negotiateFormat(format, accept)).toThrow(FhirError);
    try {
      negotiateFormat(format, accept);
    } catch (err) {
      expect((err as FhirError).status).toBe(406);
    }
  });
});
