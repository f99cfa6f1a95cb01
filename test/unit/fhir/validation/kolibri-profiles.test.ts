import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import type { DefinitionRegistry } from '../../../../src/fhir/definitions/registry';
import { createValidator, type ResourceValidator } from '../../../../src/fhir/validation/validator';

/**
 * The Kolibri profiles in fhir-profiles/: every profile has a conforming example that passes
 * with no issue at all, and each fixture in test/fixtures/profiles/invalid fails with exactly
 * the listed issues (severity, code, FHIRPath expression), in order.
 */
const ROOT = join(__dirname, '../../../..');
const PROFILES = join(ROOT, 'fhir-profiles');
const INVALID = join(ROOT, 'test/fixtures/profiles/invalid');
const BASE = 'https://kolibri.dk/fhir/StructureDefinition/';

interface InvalidFixture {
  description: string;
  expect: { severity: string; code: string; expression: string }[];
  resource: { resourceType: string };
}

const read = <T>(dir: string): [string, T][] =>
  readdirSync(dir)
    // package.json: the folder's FHIR NPM package manifest, not a resource
    .filter((f) => f.endsWith('.json') && f !== 'package.json')
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as T]);

let registry: DefinitionRegistry;
let validator: ResourceValidator;
beforeAll(() => {
  registry = loadDefinitions({ profileDirs: [PROFILES] });
  validator = createValidator(registry);
});

const examples = read<{ resourceType: string; meta: { profile: string[] } }>(join(PROFILES, 'examples'));

it('ships one conforming example per Kolibri profile', () => {
  const profiles = [...registry.structureDefinitions()].filter((sd) => sd.url?.startsWith(`${BASE}kolibri-`)).map((sd) => sd.url).sort();
  expect(profiles).toHaveLength(15);
  expect(examples.map(([, r]) => r.meta.profile[0]).sort()).toEqual(profiles);
});

it('gives every profile and extension a generated snapshot', () => {
  for (const sd of registry.structureDefinitions()) {
    if (!sd.url?.startsWith(BASE)) continue;
    expect(sd.snapshot?.element?.length).toBeGreaterThan(sd.differential?.element?.length ?? 0);
  }
});

/**
 * The definitions themselves are served as FHIR resources (GET /fhir/StructureDefinition?url=…):
 * each file must be a valid R4 resource of its type, as a client reading one back would check.
 */
const groupDirs = readdirSync(join(PROFILES, 'groups')).map((g) => join('groups', g));
const served = ['.', 'operations', ...groupDirs].flatMap((dir) => read<{ resourceType: string }>(join(PROFILES, dir)).map(([f, r]) => [join(dir, f), r] as [string, { resourceType: string }]));

it.each(served)('%s is itself a valid R4 resource', (_f, resource) => {
  expect(validator.validate(resource).filter((i) => i.severity === 'error')).toEqual([]);
});

it.each(examples)('examples/%s conforms with no issues', (_f, resource) => {
  expect(validator.validate(resource)).toEqual([]);
});

it.each(read<InvalidFixture>(INVALID))('%s fails as described', (_f, fixture) => {
  const issues = validator.validate(fixture.resource);
  expect(issues.map((i) => ({ severity: i.severity, code: i.code, expression: i.expression?.[0] }))).toEqual(fixture.expect);
  expect(fixture.expect.some((e) => e.severity === 'error')).toBe(true);
});

it('names the violated invariant when the unit does not belong to the code', () => {
  const [, fixture] = read<InvalidFixture>(INVALID).find(([f]) => f === 'observation-unit-mismatch.json')!;
  const [issue] = validator.validate(fixture.resource);
  expect(issue.diagnostics).toContain('kol-obs-1');
  expect(issue.diagnostics).toContain('UCUM unit');
});

describe('CPR numbers (kol-cpr-1)', () => {
  const patient = (cpr: string) => {
    const [, p] = examples.find(([f]) => f === 'patient.json')!;
    return { ...p, identifier: [{ system: 'urn:oid:1.2.208.176.1.2', value: cpr }] };
  };
  it.each(['0101521234', '3112999999', '2902001234', '3004851111'])('accepts %s', (cpr) => {
    expect(validator.validate(patient(cpr))).toEqual([]);
  });
  it.each(['12345', '01015212345', '3202521234', '0013521234', '3104521234', '2902011234', '01015a1234'])('rejects %s', (cpr) => {
    expect(validator.validate(patient(cpr)).map((i) => i.expression?.[0])).toEqual(['Patient.identifier[0]']);
  });
});

describe('server-enforced profiles', () => {
  it('applies the configured profile to resources that do not claim it', () => {
    const enforcing = createValidator(registry, { enforcedProfiles: { Patient: [`${BASE}kolibri-patient`] } });
    const plain = { resourceType: 'Patient', name: [{ family: 'Hansen' }] };
    expect(validator.validate(plain)).toEqual([]);
    expect(enforcing.validate(plain).map((i) => i.expression?.[0])).toEqual(['Patient.identifier', 'Patient.gender']);
  });

  it('refuses to start with an unknown or mismatched enforced profile', () => {
    expect(() => createValidator(registry, { enforcedProfiles: { Patient: [`${BASE}nope`] } })).toThrow(/not a known StructureDefinition/);
    expect(() => createValidator(registry, { enforcedProfiles: { Patient: [`${BASE}kolibri-observation`] } })).toThrow(/constrains Observation/);
  });

  it('adds profiles asked for per call ($validate profile=)', () => {
    const [, obs] = examples.find(([f]) => f === 'observation.json')!;
    const { meta: _meta, basedOn: _basedOn, ...unclaimed } = obs as typeof obs & { basedOn: unknown };
    expect(validator.validate(unclaimed)).toEqual([]);
    const issues = validator.validate(unclaimed, { profiles: [`${BASE}kolibri-observation`] });
    expect(issues.map((i) => i.expression?.[0])).toEqual(['Observation.basedOn']);
  });
});
