import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import type { DefinitionRegistry } from '../../../../src/fhir/definitions/registry';
import { rewriteResolve, expressionFor } from '../../../../src/fhir/search/expression';
import { IndexExtractor } from '../../../../src/fhir/search/extract';
import { Facet, paramKey } from '../../../../src/fhir/search/param-key';

let registry: DefinitionRegistry;
let extractor: IndexExtractor;
beforeAll(() => {
  registry = loadDefinitions();
  extractor = new IndexExtractor(registry, { baseUrl: 'http://k.test/fhir' });
});

const rowsOf = <K extends keyof ReturnType<IndexExtractor['extract']>>(resource: unknown, table: K, type: string, code: string, facet = '') =>
  (extractor.extract(resource as Resource)[table] as { param: number }[])
    .filter((r) => r.param === paramKey(type, code, facet))
    // the timeline sort keys every reference row carries are tested in timeline.test.ts
    .map(({ param: _p, sortDesc: _d, sortAsc: _a, ...rest }: { param: number; sortDesc?: string; sortAsc?: string }) => rest);

describe('expression preparation', () => {
  it('keeps only the branches of the indexed type', () => {
    expect(expressionFor('AllergyIntolerance.code | (DeviceRequest.code as CodeableConcept) | Observation.code', 'Observation')).toBe('Observation.code');
    expect(expressionFor('AllergyIntolerance.code', 'Observation')).toBeUndefined();
  });

  it('rewrites resolve() is T into a test of the reference type', () => {
    expect(rewriteResolve('Observation.subject.where(resolve() is Patient)')).toBe(
      "Observation.subject.where(reference.matches('^(.*/)?Patient/[^/]+(/_history/[^/]+)?$'))",
    );
  });
});

describe('IndexExtractor', () => {
  const obs = {
    resourceType: 'Observation',
    id: 'o1',
    status: 'final',
    code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011', display: 'Iltmætning' }], text: 'SpO2' },
    subject: { reference: 'http://k.test/fhir/Patient/p1' },
    performer: [{ reference: 'Practitioner/pr1' }, { reference: 'https://elsewhere.example/Practitioner/9' }, { identifier: { system: 'sor', value: '123' } }],
    effectiveDateTime: '2026-05-15T10:00:00+02:00',
    valueQuantity: { value: 88, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  };

  it('indexes tokens with system, and display/text under :text', () => {
    expect(rowsOf(obs, 'token', 'Observation', 'code')).toEqual([{ grp: 0, system: 'urn:oid:1.2.208.176.2.1', value: 'NPU03011' }]);
    expect(rowsOf(obs, 'string', 'Observation', 'code', Facet.text).map((r) => (r as { norm: string }).norm)).toEqual(['iltmaetning', 'spo2']);
  });

  it('narrows typed references (patient) and makes our own absolute URLs local', () => {
    expect(rowsOf(obs, 'reference', 'Observation', 'patient')).toEqual([{ grp: 0, targetType: 'Patient', targetId: 'p1', url: null }]);
    expect(rowsOf(obs, 'reference', 'Observation', 'performer')).toEqual([
      { grp: 0, targetType: 'Practitioner', targetId: 'pr1', url: null },
      { grp: 0, targetType: null, targetId: null, url: 'https://elsewhere.example/Practitioner/9' },
      { grp: 0, targetType: null, targetId: null, url: null },
    ]);
    expect(rowsOf(obs, 'token', 'Observation', 'performer', Facet.identifier)).toEqual([{ grp: 0, system: 'sor', value: '123' }]);
    expect(rowsOf({ ...obs, subject: { reference: 'Group/g1' } }, 'reference', 'Observation', 'patient')).toEqual([]);
  });

  it('indexes dates as ranges at their precision, Periods and Timings by their outer limits', () => {
    expect(rowsOf(obs, 'date', 'Observation', 'date')).toEqual([{ grp: 0, low: '2026-05-15T08:00:00.000Z', high: '2026-05-15T08:00:01.000Z' }]);
    const period = { ...obs, effectiveDateTime: undefined, effectivePeriod: { start: '2026-05' } };
    expect(rowsOf(period, 'date', 'Observation', 'date')).toEqual([{ grp: 0, low: '2026-05-01T00:00:00.000Z', high: 'infinity' }]);
    const timing = { ...obs, effectiveDateTime: undefined, effectiveTiming: { event: ['2026-05-03', '2026-05-01T08:00:00Z'], repeat: { boundsPeriod: { end: '2026-06' } } } };
    expect(rowsOf(timing, 'date', 'Observation', 'date')).toEqual([{ grp: 0, low: '-infinity', high: '2026-07-01T00:00:00.000Z' }]);
    expect(rowsOf({ resourceType: 'Patient', birthDate: '1970' }, 'date', 'Patient', 'birthdate')).toEqual([
      { grp: 0, low: '1970-01-01T00:00:00.000Z', high: '1971-01-01T00:00:00.000Z' },
    ]);
  });

  it('indexes quantities with unit, comparators as half-lines and Ranges', () => {
    expect(rowsOf(obs, 'quantity', 'Observation', 'value-quantity')).toEqual([
      { grp: 0, system: 'http://unitsofmeasure.org', code: '%', unit: '%', low: '88', high: '88', canonicalCode: '1', canonicalLow: '0.88', canonicalHigh: '0.88' },
    ]);
    const below = { ...obs, valueQuantity: { value: 5, comparator: '<', code: 'mmol/L' } };
    expect(rowsOf(below, 'quantity', 'Observation', 'value-quantity')).toEqual([
      { grp: 0, system: null, code: 'mmol/L', unit: null, low: '-Infinity', high: '5' },
    ]);
    const condition = { resourceType: 'Condition', subject: { reference: 'Patient/p' }, onsetRange: { low: { value: 40, code: 'a' }, high: { value: 50, code: 'a' } } };
    expect(rowsOf(condition, 'quantity', 'Condition', 'onset-age')).toEqual([{ grp: 0, system: null, code: 'a', unit: null, low: '40', high: '50' }]);
    const ucumRange = { ...condition, onsetRange: { low: { value: 40, system: 'http://unitsofmeasure.org', code: 'a' } } };
    expect(rowsOf(ucumRange, 'quantity', 'Condition', 'onset-age')).toEqual([
      { grp: 0, system: 'http://unitsofmeasure.org', code: 'a', unit: null, low: '40', high: 'Infinity', canonicalCode: 's', canonicalLow: '1262304000', canonicalHigh: 'Infinity' },
    ]);
  });

  it('reads a bare-id reference as the parameter\'s only target type, else as an id of unknown type', () => {
    const patient = { resourceType: 'Patient', managingOrganization: { reference: 'ijk' }, generalPractitioner: [{ reference: 'p2' }] };
    expect(rowsOf(patient, 'reference', 'Patient', 'organization')).toEqual([{ grp: 0, targetType: 'Organization', targetId: 'ijk', url: null }]);
    expect(rowsOf(patient, 'reference', 'Patient', 'general-practitioner')).toEqual([{ grp: 0, targetType: null, targetId: 'p2', url: null }]);
  });

  it('keeps the whole folded value of a string longer than the index column', () => {
    const city = `${'Ålborg '.repeat(40)}Øst`;
    const rows = rowsOf({ resourceType: 'Patient', address: [{ city }] }, 'string', 'Patient', 'address-city') as { norm: string; normFull?: string }[];
    expect(rows.map((r) => r.norm.length)).toEqual([255, 255]);
    expect(rows[0].normFull).toBe(`${'aalborg '.repeat(40)}oest`);
    expect(rowsOf({ resourceType: 'Patient', address: [{ city: 'Aalborg' }] }, 'string', 'Patient', 'address-city')).toEqual([{ grp: 0, norm: 'aalborg', value: 'Aalborg' }]);
  });

  it('indexes Danish names in both folded forms and HumanName parts separately', () => {
    const patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Jørgensen', given: ['Åse'] }] };
    expect(rowsOf(patient, 'string', 'Patient', 'name').map((r) => (r as { norm: string }).norm)).toEqual(['joergensen', 'jorgensen', 'aase', 'ase']);
  });

  it('groups composite components by element', () => {
    const bp = {
      ...obs,
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 140 } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 90 } },
      ],
    };
    const codes = rowsOf(bp, 'token', 'Observation', 'component-code-value-quantity', '$0');
    const values = rowsOf(bp, 'quantity', 'Observation', 'component-code-value-quantity', '$1');
    expect(codes.map((r) => [(r as { grp: number }).grp, (r as { value: string }).value])).toEqual([[1, '8480-6'], [2, '8462-4']]);
    expect(values.map((r) => [(r as { grp: number }).grp, (r as { low: string }).low])).toEqual([[1, '140'], [2, '90']]);
  });

  it('puts resources in the Patient compartment from the CompartmentDefinition, a Patient in its own', () => {
    // with the member's type and timeline keys (src/fhir/search/timeline.ts), for compartment searches read in date order
    expect(extractor.extract(obs as Resource).compartment).toEqual([
      { type: 'Patient', id: 'p1', shared: false, resourceType: 'Observation', sortDesc: '2026-05-15T08:00:01.000Z', sortAsc: '2026-05-15T08:00:00.000Z' },
    ]);
    expect(extractor.extract({ resourceType: 'Patient', id: 'p9' }).compartment).toEqual([
      { type: 'Patient', id: 'p9', shared: false, resourceType: 'Patient', sortDesc: '-infinity', sortAsc: 'infinity' },
    ]);
    expect(extractor.extract({ resourceType: 'Organization', id: 'o' }).compartment).toEqual([]);
  });

  it('marks a compartment row shared when another patient also governs the resource', () => {
    const shared = (resource: Resource, accessPatients?: string[]) => extractor.extract(resource, accessPatients).compartment.map((c) => [c.id, c.shared]);
    // a second Patient compartment (Observation.performer is a Patient-compartment parameter)
    expect(shared({ ...obs, performer: [{ reference: 'Patient/p2' }] } as Resource).sort()).toEqual([['p1', true], ['p2', true]]);
    // another patient in access_patients; the resource's own patient there changes nothing
    expect(shared(obs as Resource, ['p1', 'p3'])).toEqual([['p1', true]]);
    expect(shared(obs as Resource, ['p1'])).toEqual([['p1', false]]);
  });

  it('prepares every R4 search parameter of the acceptance types', () => {
    for (const type of ['Patient', 'Observation', 'CarePlan', 'Questionnaire', 'QuestionnaireResponse', 'EpisodeOfCare', 'CareTeam', 'Task', 'ServiceRequest', 'Organization']) {
      const prepared = new Set(extractor.parametersOf(type).map((p) => p.code));
      const missing = registry
        .searchParameters(type)
        .filter((sp) => !prepared.has(sp.code as string))
        .map((sp) => sp.code)
        .sort();
      // column-backed and full-text/named-query parameters are the only ones without index rows
      expect(missing).toEqual(['_content', '_id', '_lastUpdated', '_query', '_text']);
    }
  });
});
