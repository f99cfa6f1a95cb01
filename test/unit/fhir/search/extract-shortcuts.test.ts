import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import r4 from 'fhirpath/fhir-context/r4';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import type { DefinitionRegistry } from '../../../../src/fhir/definitions/registry';
import { IndexExtractor } from '../../../../src/fhir/search/extract';
import type { IndexRows } from '../../../../src/fhir/search/index-rows';
import { paramKey } from '../../../../src/fhir/search/param-key';
import { syntheaBundle } from '../../../support/synthea-bundle';

/**
 * The extractor's shortcuts (skipping parameters whose elements are absent, evaluating plain
 * paths on the JSON) must give exactly the rows fhirpath.js gives for every parameter: checked
 * on the project's fixtures and profiles, a Synthea-style bundle, and for every resource type a
 * set of resources with each top-level element filled with a value of its type.
 */

const root = join(__dirname, '..', '..', '..', '..');
let registry: DefinitionRegistry;
let fast: IndexExtractor;
let exhaustive: IndexExtractor;
beforeAll(() => {
  registry = loadDefinitions({ profileDirs: [join(root, 'fhir-profiles')] });
  fast = new IndexExtractor(registry, { baseUrl: 'http://k.test/fhir' });
  exhaustive = new IndexExtractor(registry, { baseUrl: 'http://k.test/fhir', exhaustive: true });
});

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? jsonFiles(path) : name.endsWith('.json') ? [path] : [];
  });
}

const sorted = (rows: IndexRows) =>
  Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, (list as object[]).map((r) => JSON.stringify(r)).sort()]));

function expectSameRows(resource: Resource): void {
  const label = `${resource.resourceType}/${resource.id ?? ''}`;
  expect({ label, rows: sorted(fast.extract(resource)) }).toEqual({ label, rows: sorted(exhaustive.extract(resource)) });
}

const model = r4 as unknown as { path2Type: Record<string, string>; choiceTypePaths: Record<string, string[]> };

/** A sample JSON value for a FHIR type, or undefined for types we do not fill. */
function sample(type: string, i: number): unknown {
  const samples: Record<string, unknown> = {
    CodeableConcept: { coding: [{ system: 'http://loinc.org', code: `c${i}`, display: 'Pæn Å' }], text: 'Blodtryk' },
    Coding: { system: 'http://snomed.info/sct', code: `s${i}`, display: 'Ø' },
    Reference: { reference: i % 2 ? `Patient/p${i}` : `http://k.test/fhir/Practitioner/x${i}`, identifier: { system: 'urn:oid:1', value: `v${i}` } },
    Identifier: { system: 'urn:oid:1.2.208.176.1.2', value: `${1000 + i}`, type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }], text: 'MR' } },
    HumanName: { family: 'Jørgensen', given: ['Åse', 'Ærø'], text: 'Åse Jørgensen' },
    Address: { line: ['Vej 1'], city: 'Århus', postalCode: '8000', country: 'DK' },
    ContactPoint: { system: 'phone', value: `+45 ${i}`, use: 'home' },
    Period: { start: '2026-05-01', end: i % 2 ? '2026-05-31T12:00:00+02:00' : undefined },
    Quantity: { value: 88.5 + i, unit: '%', system: 'http://unitsofmeasure.org', code: '%', comparator: i % 3 ? undefined : '<' },
    Age: { value: 70, unit: 'a', system: 'http://unitsofmeasure.org', code: 'a' },
    Duration: { value: 5, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' },
    Money: { value: 12.5, currency: 'DKK' },
    Range: { low: { value: 1, unit: 'kg' }, high: { value: 3, unit: 'kg' } },
    Timing: { event: ['2026-05-01T08:00:00Z'], repeat: { boundsPeriod: { start: '2026-05-01', end: '2026-06-01' } } },
    string: `Tekst ${i} æøå`,
    markdown: 'md',
    code: `code-${i}`,
    id: `id-${i}`,
    uri: `http://example.org/u/${i}`,
    url: `http://example.org/l/${i}`,
    canonical: `http://kolibri.dk/fhir/Questionnaire/q${i}|1.0`,
    boolean: i % 2 === 0,
    dateTime: ['2026', '2026-05', '2026-05-15', '2026-05-15T10:00:00+02:00'][i % 4],
    date: '2026-05-15',
    instant: '2026-05-15T10:00:00.123Z',
    decimal: 1.5 + i,
    integer: i,
    positiveInt: i + 1,
    unsignedInt: i,
  };
  return samples[type.replace(/^System\./, '')];
}

/** Resources of `type` with every top-level element filled (each choice type in turn). */
function filledResources(type: string): Resource[] {
  const out: Resource[] = [];
  for (let i = 0; i < 3; i++) {
    const resource: Record<string, unknown> = { resourceType: type, id: `${type.toLowerCase()}-${i}`, meta: { tag: [{ system: 'urn:t', code: 't' }], profile: ['http://kolibri.dk/fhir/StructureDefinition/x'], source: 'urn:s' } };
    for (const [path, elementType] of Object.entries(model.path2Type)) {
      const [head, name, deeper] = path.split('.');
      if (head !== type || !name || deeper !== undefined || name === 'id' || name === 'meta' || name === 'resourceType') continue;
      const choices = model.choiceTypePaths[path];
      if (choices) {
        const choice = choices[i % choices.length];
        const value = sample(choice.charAt(0).toLowerCase() + choice.slice(1), i) ?? sample(choice, i);
        if (value !== undefined) resource[name + choice] = value;
      } else if (!(path + 'X' in model.path2Type)) {
        const value = sample(elementType, i);
        if (value !== undefined) resource[name] = value;
      }
    }
    out.push(resource as unknown as Resource);
  }
  return out;
}

describe('extraction shortcuts agree with fhirpath.js', () => {
  it('on the fixtures and the Kolibri profiles and examples', () => {
    const files = [...jsonFiles(join(root, 'test', 'fixtures')), ...jsonFiles(join(root, 'fhir-profiles'))];
    for (const file of files) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as Resource;
      if (json.resourceType) expectSameRows(json);
    }
    expect(files.length).toBeGreaterThan(20);
  });

  it('on a Synthea-style bundle', () => {
    for (const entry of syntheaBundle(2, 2).entry) expectSameRows(entry.resource as Resource);
  });

  it("on extension parameters written as extension('url'): R4's and an implementation guide's", () => {
    const ext = (url: string, value: Record<string, unknown>) => ({ url, ...value });
    const hl7 = 'http://hl7.org/fhir/StructureDefinition/';
    const observation = {
      resourceType: 'Observation',
      id: 'genetics',
      status: 'final',
      code: { text: 'variant' },
      extension: [
        ext(`${hl7}observation-geneticsDnaVariant`, { valueCodeableConcept: { coding: [{ system: 'http://varnomen.hgvs.org', code: 'NG_007726.3:g.146252T>G' }] } }),
        ext(`${hl7}observation-geneticsGene`, { valueCodeableConcept: { coding: [{ system: 'http://www.genenames.org', code: 'HGNC:3236' }] } }),
        ext(`${hl7}observation-geneticsAminoAcidChangeName`, { valueString: 'p.Ala123Thr' }),
        ext('http://ehealth.sundhed.dk/fhir/StructureDefinition/ehealth-episodeofcare-reference', { valueReference: { reference: 'EpisodeOfCare/e1' } }),
        ext('http://example.org/other', { valueString: 'not indexed' }),
      ],
    } as unknown as Resource;
    expectSameRows(observation);
    const ig = loadDefinitions({ profileDirs: [join(root, 'fhir-profiles')], igPackages: ['ehealth-mini', 'ehealth-base'].map((p) => join(root, 'test/fixtures/packages', p)) });
    const rows = (x: IndexExtractor) => sorted(x.extract(observation));
    const igFast = new IndexExtractor(ig, { baseUrl: 'http://k.test/fhir' });
    expect(rows(igFast)).toEqual(rows(new IndexExtractor(ig, { baseUrl: 'http://k.test/fhir', exhaustive: true })));
    expect(igFast.extract(observation).reference).toContainEqual(expect.objectContaining({ targetType: 'EpisodeOfCare', targetId: 'e1' }));
  });

  it('on every resource type with every top-level element filled', () => {
    for (const type of registry.resourceTypes()) {
      if (!registry.searchParameters(type).length) continue;
      for (const resource of filledResources(type)) expectSameRows(resource);
    }
  });
});

describe('R4 `as` over a collection', () => {
  it('indexes both component values of a blood pressure under component-value-quantity', () => {
    const bp = syntheaBundle(1, 1).entry.find((e) => (e.resource as Resource).resourceType === 'Observation')!.resource as Resource;
    for (const extractor of [fast, exhaustive]) {
      const values = extractor.extract(bp).quantity.filter((r) => r.param === paramKey('Observation', 'component-value-quantity')).map((r) => r.low);
      expect(values.sort()).toEqual(['120', '80']);
    }
  });
});
