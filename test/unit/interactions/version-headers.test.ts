import { FhirError } from '../../../src/fhir/outcome';
import { parseIfMatch, versionHeaders, versionLocation } from '../../../src/interactions/version-headers';

describe('version headers', () => {
  it('formats ETag as a weak version tag and Last-Modified as an HTTP date', () => {
    expect(versionHeaders({ versionId: 3, lastUpdated: '2026-05-01T08:00:00.123Z' })).toEqual({
      etag: 'W/"3"',
      'last-modified': 'Fri, 01 May 2026 08:00:00 GMT',
    });
  });

  it('builds Location with _history', () => {
    expect(versionLocation('http://h/fhir', { resourceType: 'Patient', id: 'a', versionId: 2 })).toBe('http://h/fhir/Patient/a/_history/2');
  });

  it.each([
    ['W/"3"', 3],
    ['"12"', 12],
    ['7', 7],
    [undefined, undefined],
    ['', undefined],
  ])('parses If-Match %p as %p', (header, expected) => {
    expect(parseIfMatch(header)).toBe(expected);
  });

  it.each(['W/"abc"', 'yesterday', 'W/"1", W/"2"'])('rejects malformed If-Match %p with 400', (header) => {
    expect(() => parseIfMatch(header)).toThrow(FhirError);
    try {
      parseIfMatch(header);
    } catch (err) {
      expect((err as FhirError).status).toBe(400);
    }
  });
});
