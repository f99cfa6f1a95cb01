import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StructureDefinition } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import { createValidator, type ResourceValidator } from '../../../../src/fhir/validation/validator';

/**
 * Slicing and bindings on small profiles written for the test: discriminators value, pattern,
 * exists, type and profile; closed and ordered slicing; required and extensible bindings,
 * and a required ValueSet the server cannot expand.
 */
const url = (id: string) => `http://kolibri.test/StructureDefinition/${id}`;
const profile = (id: string, type: string, elements: object[]): StructureDefinition =>
  ({
    resourceType: 'StructureDefinition', id, url: url(id), name: id, status: 'active', kind: 'resource', abstract: false, type,
    baseDefinition: `http://hl7.org/fhir/StructureDefinition/${type}`, derivation: 'constraint',
    differential: { element: [{ id: type, path: type }, ...elements.map((e) => ({ path: (e as { id: string }).id.replace(/:[^.]+/g, ''), ...e }))] },
  }) as StructureDefinition;

const PROFILES = [
  profile('ordered-components', 'Observation', [
    { id: 'Observation.component', slicing: { discriminator: [{ type: 'pattern', path: 'code' }], rules: 'closed', ordered: true } },
    { id: 'Observation.component:systolic', sliceName: 'systolic', min: 1, max: '1' },
    { id: 'Observation.component:systolic.code', patternCodeableConcept: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'DNK05472' }] } },
    { id: 'Observation.component:diastolic', sliceName: 'diastolic', min: 1, max: '1' },
    { id: 'Observation.component:diastolic.code', patternCodeableConcept: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'DNK05473' }] } },
  ]),
  profile('performer-exists', 'Observation', [
    { id: 'Observation.note', slicing: { discriminator: [{ type: 'exists', path: 'author' }], rules: 'open' } },
    { id: 'Observation.note:signed', sliceName: 'signed', min: 1, max: '1' },
    { id: 'Observation.note:signed.author[x]', min: 1 },
  ]),
  profile('entry-types', 'Bundle', [
    { id: 'Bundle.entry', slicing: { discriminator: [{ type: 'type', path: 'resource' }], rules: 'closed' } },
    { id: 'Bundle.entry:patient', sliceName: 'patient', min: 1, max: '1' },
    { id: 'Bundle.entry:patient.resource', type: [{ code: 'Patient' }] },
    { id: 'Bundle.entry:obs', sliceName: 'obs', min: 0, max: '*' },
    { id: 'Bundle.entry:obs.resource', type: [{ code: 'Observation' }] },
  ]),
  profile('entry-profiles', 'Bundle', [
    { id: 'Bundle.entry', slicing: { discriminator: [{ type: 'profile', path: 'resource' }], rules: 'open' } },
    { id: 'Bundle.entry:bp', sliceName: 'bp', min: 1, max: '1' },
    { id: 'Bundle.entry:bp.resource', type: [{ code: 'Observation', profile: [url('ordered-components')] }] },
  ]),
  profile('bindings', 'Observation', [
    { id: 'Observation.category', binding: { strength: 'extensible', valueSet: 'http://hl7.org/fhir/ValueSet/observation-category' } },
    { id: 'Observation.bodySite', binding: { strength: 'required', valueSet: 'http://snomed.info/sct?fhir_vs' } },
    { id: 'Observation.interpretation', binding: { strength: 'required', valueSet: 'http://hl7.org/fhir/ValueSet/observation-category' } },
  ]),
];

let validator: ResourceValidator;
beforeAll(() => {
  // written as a profile folder, so that loading generates their snapshots as for fhir-profiles/
  const dir = mkdtempSync(join(tmpdir(), 'kolibri-profiles-'));
  try {
    PROFILES.forEach((p) => writeFileSync(join(dir, `${p.id}.json`), JSON.stringify(p)));
    validator = createValidator(loadDefinitions({ profileDirs: [dir] }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const bp = (codes: string[]) => ({
  resourceType: 'Observation',
  meta: { profile: [url('ordered-components')] },
  status: 'final',
  code: { text: 'blood pressure' },
  component: codes.map((code) => ({ code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code }] }, valueQuantity: { value: 120 } })),
});
const where = (issues: { expression?: string[]; code: string }[]) => issues.map((i) => `${i.code} ${i.expression?.[0]}`);

describe('slicing', () => {
  it('pattern discriminator: both slices present in order passes', () => {
    expect(validator.validate(bp(['DNK05472', 'DNK05473']))).toEqual([]);
  });
  it('per-slice cardinality: a missing slice and a doubled slice', () => {
    expect(where(validator.validate(bp(['DNK05472'])))).toEqual(['required Observation.component']);
    expect(where(validator.validate(bp(['DNK05472', 'DNK05472', 'DNK05473'])))).toEqual(['structure Observation.component']);
  });
  it('ordered: slices out of order', () => {
    expect(where(validator.validate(bp(['DNK05473', 'DNK05472'])))).toEqual(['structure Observation.component[1]']);
  });
  it('closed: an item in no slice', () => {
    expect(where(validator.validate(bp(['DNK05472', 'DNK05473', 'NPU03011'])))).toEqual(['structure Observation.component[2]']);
  });
  it('exists discriminator: the slice needs an item that has author', () => {
    const obs = { resourceType: 'Observation', meta: { profile: [url('performer-exists')] }, status: 'final', code: { text: 'x' } };
    expect(validator.validate({ ...obs, note: [{ text: 'a' }, { text: 'b', authorString: 'Dr. K' }] })).toEqual([]);
    expect(where(validator.validate({ ...obs, note: [{ text: 'a' }] }))).toEqual(['required Observation.note']);
  });
  it('type discriminator on Bundle entries (closed)', () => {
    const bundle = (types: string[]) => ({ resourceType: 'Bundle', meta: { profile: [url('entry-types')] }, type: 'collection', entry: types.map((t) => ({ resource: t === 'Observation' ? { resourceType: t, status: 'final', code: { text: 'x' } } : { resourceType: t } })) });
    expect(validator.validate(bundle(['Patient', 'Observation', 'Observation']))).toEqual([]);
    expect(where(validator.validate(bundle(['Observation', 'Device'])))).toEqual(['structure Bundle.entry[1]', 'required Bundle.entry']);
  });
  it('profile discriminator: the entry must conform to the slice profile, which then applies', () => {
    const bundle = (codes: string[]) => ({ resourceType: 'Bundle', meta: { profile: [url('entry-profiles')] }, type: 'collection', entry: [{ resource: { ...bp(codes), meta: undefined } }] });
    const ok = bundle(['DNK05472', 'DNK05473']);
    delete (ok.entry[0].resource as { meta?: unknown }).meta;
    expect(validator.validate(ok)).toEqual([]);
    const bad = bundle(['DNK05472']);
    delete (bad.entry[0].resource as { meta?: unknown }).meta;
    expect(where(validator.validate(bad))).toEqual(['required Bundle.entry']);
  });
});

describe('bindings', () => {
  const obs = (extra: object) => ({ resourceType: 'Observation', meta: { profile: [url('bindings')] }, status: 'final', code: { text: 'x' }, ...extra });
  const CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';
  it('extensible: a code outside the value set is a warning, inside is silent', () => {
    expect(validator.validate(obs({ category: [{ coding: [{ system: CAT, code: 'vital-signs' }] }] }))).toEqual([]);
    const issues = validator.validate(obs({ category: [{ coding: [{ system: 'http://example.org/cat', code: 'home' }] }] }));
    expect(issues.map((i) => [i.severity, i.code, i.expression?.[0]])).toEqual([['warning', 'code-invalid', 'Observation.category[0]']]);
  });
  it('required: a code outside the value set is an error; a text-only concept too', () => {
    const issues = validator.validate(obs({ interpretation: [{ coding: [{ system: CAT, code: 'home' }] }, { text: 'vital signs' }] }));
    expect(issues.map((i) => [i.severity, i.expression?.[0]])).toEqual([['error', 'Observation.interpretation[0]'], ['error', 'Observation.interpretation[1]']]);
    expect(validator.validate(obs({ interpretation: [{ coding: [{ system: CAT, code: 'vital-signs' }] }] }))).toEqual([]);
  });
  it('required but not expandable here (SNOMED CT): a warning that the code was not checked, never an error', () => {
    const issues = validator.validate(obs({ bodySite: { coding: [{ system: 'http://snomed.info/sct', code: '1234' }] } }));
    expect(issues).toEqual([expect.objectContaining({ severity: 'warning', code: 'not-supported', expression: ['Observation.bodySite'] })]);
    expect(issues[0].diagnostics).toContain('not checked');
  });
});
