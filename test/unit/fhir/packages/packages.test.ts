import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinResources } from '../../../../src/conformance/builtin-seed';
import { listJsonFiles, loadDefinitions } from '../../../../src/fhir/definitions/load';
import { readFhirPackage } from '../../../../src/fhir/packages/fhir-package';
import { PackageLoadError, readPackageSet } from '../../../../src/fhir/packages/package-set';
import { createValidator } from '../../../../src/fhir/validation/validator';

/**
 * FHIR NPM packages (implementation guides) read from a .tgz or a folder, loaded in dependency
 * order, and refused with the file and resource named when something in them cannot be used.
 */
const ROOT = join(__dirname, '../../../..');
const FIXTURES = join(ROOT, 'test/fixtures/packages');
const MINI = join(FIXTURES, 'ehealth-mini');
const BASE = join(FIXTURES, 'ehealth-base');
const C = 'http://ehealth.sundhed.dk/fhir';

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'kolibri-packages-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `npm pack`'s shape: package/… in a gzipped tar. */
function tgzOf(folder: string, name: string): string {
  const file = join(scratch, name);
  execFileSync('tar', ['czf', file, '-C', folder, 'package']);
  return file;
}

/** A copy of the mini package with one file changed. */
function brokenMini(file: string, change: (json: Record<string, unknown>) => unknown): string {
  const dir = mkdtempSync(join(scratch, 'broken-'));
  cpSync(MINI, dir, { recursive: true });
  const path = join(dir, 'package', file);
  writeFileSync(path, JSON.stringify(change(JSON.parse(readFileSync(path, 'utf8')))));
  return dir;
}

describe('reading a package', () => {
  it('reads the same resources from a .tgz as from its folder', () => {
    const folder = readFhirPackage(MINI);
    const tgz = readFhirPackage(tgzOf(MINI, 'mini.tgz'));
    expect(tgz.name).toBe('test.ehealth.mini');
    expect(tgz.version).toBe('0.1.0');
    expect(tgz.dependencies).toEqual({ 'hl7.fhir.r4.core': '4.0.1', 'test.ehealth.base': '0.1.0' });
    expect(tgz.files.map((f) => f.name)).toEqual(folder.files.map((f) => f.name));
    expect(tgz.files.map((f) => f.resource)).toEqual(folder.files.map((f) => f.resource));
    expect(tgz.files.length).toBe(8);
  });

  it('says which path is not a package', () => {
    expect(() => readFhirPackage(join(FIXTURES, 'nothing-here.tgz'))).toThrow(/nothing-here\.tgz: cannot read the package/);
    const notTar = join(scratch, 'not.tgz');
    writeFileSync(notTar, 'hello');
    expect(() => readFhirPackage(notTar)).toThrow(/not\.tgz: not a gzipped tar archive/);
    expect(() => readFhirPackage(join(ROOT, 'test/fixtures'))).toThrow(/not a FHIR package \(no package\/package.json\)/);
  });

  it('orders packages by their dependencies among those given', () => {
    const set = readPackageSet([MINI, BASE]);
    expect(set.packages.map((p) => p.name)).toEqual(['test.ehealth.base', 'test.ehealth.mini']);
    expect(set.problems).toEqual([]);
    expect(set.entries.map((e) => `${e.resource.resourceType}/${e.resource.id}`)).toContain('NamingSystem/ehealth-device-serial');
    expect(set.ignored).toEqual([]);
  });
});

describe('loading packages into the definitions', () => {
  const registry = () => loadDefinitions({ igPackages: [tgzOf(MINI, 'mini-load.tgz'), BASE] });

  it('makes their profiles, terminology and search parameters known, by canonical and by url|version', () => {
    const r = registry();
    const spo2 = r.structureDefinition(`${C}/StructureDefinition/ehealth-spo2|0.1.0`);
    expect(spo2?.snapshot?.element?.length).toBeGreaterThan(50);
    expect(r.structureDefinition(`${C}/StructureDefinition/ehealth-spo2|0.2.0`)).toBeUndefined();
    expect(r.structureDefinition(`${C}/StructureDefinition/ehealth-spo2`)).toBe(spo2);
    expect(r.valueSet(`${C}/ValueSet/ehealth-measurement-method|0.1.0`)?.id).toBe('ehealth-measurement-method');
    expect(r.codeSystem(`${C}/CodeSystem/ehealth-measurement-method`)?.concept?.map((c) => c.code)).toEqual(['automatic', 'manual']);
    expect(r.searchParameter('Observation', 'episodeOfCare')?.url).toBe(`${C}/SearchParameter/observation-episodeofcare`);
    // the package's own ImplementationGuide canonical, and one made from canonical and name for a package without one
    expect(r.implementationGuides).toEqual([`${C}/ImplementationGuide/test.ehealth.base`, `${C}/ImplementationGuide/test.ehealth.mini`]);
  });

  it('validates against a package profile derived from another package profile', () => {
    const validator = createValidator(registry());
    const obs = {
      resourceType: 'Observation',
      meta: { profile: [`${C}/StructureDefinition/ehealth-spo2|0.1.0`] },
      status: 'final',
      code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] },
      subject: { reference: 'Patient/p1' },
      identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:5e9d7a4c-51b6-4d4e-9d2b-0f0f0f0f0f0f' }],
      valueQuantity: { value: 97, unit: '%' },
    };
    expect(validator.validate(obs).filter((i) => i.severity === 'error')).toEqual([]);
    const { valueQuantity: _value, ...withoutValue } = obs;
    const wrong = { ...withoutValue, code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU21692' }] } };
    expect(validator.validate(wrong).filter((i) => i.severity === 'error').map((i) => i.expression?.[0]).sort()).toEqual(['Observation.code.coding[0].code', 'Observation.value[x]']);
  });

  it('stops with the file and the resource named when a profile cannot be completed', () => {
    const broken = brokenMini('StructureDefinition-ehealth-spo2.json', (sd) => ({
      ...sd,
      differential: { element: [{ id: 'Observation.valueQuantity.nonsense', path: 'Observation.valueQuantity.nonsense', min: 1 }] },
    }));
    let error: unknown;
    try {
      loadDefinitions({ igPackages: [broken, BASE] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PackageLoadError);
    expect((error as Error).message.split('\n')[0]).toBe(
      `implementation-guide package not loadable: ${broken}: package/StructureDefinition-ehealth-spo2.json (StructureDefinition/ehealth-spo2): ${C}/StructureDefinition/ehealth-spo2: element Observation.valueQuantity.nonsense is not in the base`,
    );
  });

  it('stops on a SearchParameter that cannot be indexed, a file that is not JSON, and an id the base has', () => {
    const noExpression = brokenMini('SearchParameter-ehealth-observation-episodeofcare.json', ({ expression: _e, ...sp }) => sp);
    expect(() => loadDefinitions({ igPackages: [noExpression, BASE] })).toThrow(
      /package\/SearchParameter-ehealth-observation-episodeofcare\.json \(SearchParameter\/ehealth-observation-episodeofcare\): no FHIRPath expression/,
    );
    const badExpression = brokenMini('SearchParameter-ehealth-observation-episodeofcare.json', (sp) => ({ ...sp, expression: 'Observation.extension(' }));
    expect(() => loadDefinitions({ igPackages: [badExpression, BASE] })).toThrow(/expression Observation\.extension\( does not parse/);
    const notJson = mkdtempSync(join(scratch, 'notjson-'));
    cpSync(MINI, notJson, { recursive: true });
    writeFileSync(join(notJson, 'package', 'ValueSet-ehealth-measurement-method.json'), '{ "resourceType": ');
    expect(() => loadDefinitions({ igPackages: [notJson, BASE] })).toThrow(/package\/ValueSet-ehealth-measurement-method\.json: not JSON/);
    const clash = brokenMini('ValueSet-ehealth-measurement-method.json', (vs) => ({ ...vs, id: 'observation-status' }));
    expect(() => loadDefinitions({ igPackages: [clash, BASE] })).toThrow(/\(ValueSet\/observation-status\): ValueSet\/observation-status is already a base or Kolibri definition/);
  });

  it('publishes every kind a package holds among the built-in definitions (read-only rows)', () => {
    const resources = builtinResources([], [MINI, BASE]);
    const keys = resources.map((r) => `${r.resourceType}/${r.id}`);
    for (const key of ['ImplementationGuide/test.ehealth.mini', 'StructureDefinition/ehealth-spo2', 'StructureDefinition/ehealth-episodeofcare-reference', 'ValueSet/ehealth-measurement-method', 'CodeSystem/ehealth-measurement-method', 'ConceptMap/ehealth-method-to-v3', 'NamingSystem/ehealth-device-serial', 'SearchParameter/ehealth-observation-episodeofcare', 'OperationDefinition/ehealth-observation-validity']) {
      expect(keys).toContain(key);
    }
    expect(keys).toContain('ImplementationGuide/test.ehealth.mini');
  });
});

describe("Kolibri's own fhir-profiles/ as a package", () => {
  it('loads the same profiles as a package as from the profile folder', () => {
    const asFolder = loadDefinitions({ profileDirs: [join(ROOT, 'fhir-profiles')] });
    const asPackage = loadDefinitions({ igPackages: [join(ROOT, 'fhir-profiles')] });
    const ours = (r: typeof asFolder) => [...r.structureDefinitions()].filter((sd) => sd.url?.startsWith('https://kolibri.dk/')).map((sd) => sd.url).sort();
    expect(ours(asPackage)).toEqual(ours(asFolder));
    expect(ours(asPackage).length).toBeGreaterThan(10);
    expect(asPackage.searchParameter('CareTeam', 'managing-organization')).toBeDefined();
    // the patient groups' ValueSets too (ext-included-in): the folder and the package give the same terminology
    const vs = (r: typeof asFolder) => r.valueSet('https://kolibri.dk/fhir/ValueSet/diagnoses')?.compose?.include;
    expect(vs(asPackage)).toEqual(vs(asFolder));
    expect(vs(asPackage)?.length).toBeGreaterThan(2);
    // what the package reads is what the profile folder reads
    expect(readFhirPackage(join(ROOT, 'fhir-profiles')).files.length).toBe(listJsonFiles(join(ROOT, 'fhir-profiles')).filter((f) => !f.endsWith('package.json')).length);
  });
});

/**
 * A public implementation guide from npm: hl7.fhir.uv.ips 2.0.0. It cannot be a devDependency
 * (its package.json depends on hl7.fhir.r4.core, hl7.terminology.r4… which are not on npm), so it
 * is taken from the npm cache when there (`npm pack hl7.fhir.uv.ips@2.0.0` puts it there).
 */
describe('hl7.fhir.uv.ips 2.0.0 from the npm cache', () => {
  let tgz: string | undefined;
  beforeAll(() => {
    try {
      execFileSync('npm', ['pack', 'hl7.fhir.uv.ips@2.0.0', '--offline', '--silent', '--pack-destination', scratch], { stdio: 'pipe', timeout: 60_000 });
      tgz = join(scratch, 'hl7.fhir.uv.ips-2.0.0.tgz');
    } catch {
      tgz = undefined;
    }
  });

  it('loads, and checks a Patient against the IPS Patient profile', () => {
    if (!tgz) return console.warn('hl7.fhir.uv.ips@2.0.0 is not in the npm cache: not tested');
    const r = loadDefinitions({ igPackages: [tgz] });
    const url = 'http://hl7.org/fhir/uv/ips/StructureDefinition/Patient-uv-ips';
    expect(r.structureDefinition(`${url}|2.0.0`)?.type).toBe('Patient');
    const validator = createValidator(r);
    const missing = validator.validate({ resourceType: 'Patient', meta: { profile: [url] }, gender: 'female' }).filter((i) => i.severity === 'error');
    expect(missing.map((i) => i.expression?.[0])).toEqual(expect.arrayContaining(['Patient.name', 'Patient.birthDate']));
  });
});
