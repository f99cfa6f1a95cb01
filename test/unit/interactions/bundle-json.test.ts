import { bundleJson } from '../../../src/interactions/bundle-json';

describe('bundleJson', () => {
  it('splices stored JSON into entries and produces the same document as JSON.stringify would', () => {
    const resource = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Ødegaard' }] };
    const text = bundleJson({ type: 'history', total: 2 }, [
      { fields: { fullUrl: 'http://h/fhir/Patient/p1', request: { method: 'PUT', url: 'Patient/p1' } }, resourceJson: JSON.stringify(resource) },
      { fields: { fullUrl: 'http://h/fhir/Patient/p1', request: { method: 'DELETE', url: 'Patient/p1' } }, resourceJson: null },
      { fields: { search: { mode: 'match' } }, resourceJson: JSON.stringify(resource) },
    ]);
    expect(JSON.parse(text)).toEqual({
      resourceType: 'Bundle',
      type: 'history',
      total: 2,
      entry: [
        { fullUrl: 'http://h/fhir/Patient/p1', resource, request: { method: 'PUT', url: 'Patient/p1' } },
        { fullUrl: 'http://h/fhir/Patient/p1', request: { method: 'DELETE', url: 'Patient/p1' } },
        { resource, search: { mode: 'match' } },
      ],
    });
  });

  it('writes no entry for an empty page (FHIR JSON has no empty arrays)', () => {
    expect(JSON.parse(bundleJson({ type: 'history' }, []))).toEqual({ resourceType: 'Bundle', type: 'history' });
  });
});
