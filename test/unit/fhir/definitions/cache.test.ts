import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observation } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import { createValidator } from '../../../../src/fhir/validation/validator';

const PROFILES = join(__dirname, '..', '..', '..', '..', 'fhir-profiles');
let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kolibri-defcache-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const spo2 = (value: number): Observation => ({
  resourceType: 'Observation',
  meta: { profile: ['https://kolibri.dk/fhir/StructureDefinition/kolibri-observation'] },
  status: 'final',
  code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] },
  subject: { reference: 'Patient/p' },
  effectiveDateTime: '2026-03-04T08:30:00+01:00',
  valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
});

describe('definitions cache', () => {
  it('a load from the cache equals a fresh load, and a changed profile file makes a new cache file', () => {
    const profiles = join(work, 'profiles');
    cpSync(PROFILES, profiles, { recursive: true });
    const cache = join(work, 'cache');
    const fresh = loadDefinitions({ profileDirs: [profiles] });
    const first = loadDefinitions({ profileDirs: [profiles], cacheDir: cache });
    const files = readdirSync(cache);
    expect(files).toHaveLength(1);
    const second = loadDefinitions({ profileDirs: [profiles], cacheDir: cache }); // read from the file
    expect(readdirSync(cache)).toEqual(files);
    for (const registry of [first, second]) {
      expect(registry.resourceTypes()).toEqual(fresh.resourceTypes());
      const invalid = { ...spo2(97), status: 'nope', valueQuantity: { value: 97, unit: '%', system: 'http://unitsofmeasure.org', code: 'kg' } } as unknown as Observation;
      for (const resource of [spo2(97), invalid]) {
        const issues = (r: typeof fresh) => createValidator(r).validate(resource).map((i) => `${i.severity} ${i.expression ?? ''} ${i.diagnostics}`);
        expect(issues(registry)).toEqual(issues(fresh));
      }
      expect(createValidator(registry).validate(invalid).filter((i) => i.severity === 'error').length).toBeGreaterThan(0);
    }

    // a profile changes: the old cache file is not used (and is replaced)
    const file = readdirSync(profiles).find((f) => f.startsWith('codesystem-triage-colour'))!;
    const cs = JSON.parse(readFileSync(join(profiles, file), 'utf8'));
    cs.concept.push({ code: 'blue', display: 'Blue' });
    writeFileSync(join(profiles, file), JSON.stringify(cs));
    const changed = loadDefinitions({ profileDirs: [profiles], cacheDir: cache });
    expect(readdirSync(cache)).toHaveLength(1);
    expect(readdirSync(cache)).not.toEqual(files);
    expect(changed.codeSystem('https://kolibri.dk/fhir/CodeSystem/triage-colour')?.concept?.map((c) => c.code)).toContain('blue');
    expect(first.codeSystem('https://kolibri.dk/fhir/CodeSystem/triage-colour')?.concept?.map((c) => c.code)).not.toContain('blue');
  });

  it('a cache folder that cannot be written is not used', () => {
    const blocked = join(work, 'not-a-folder');
    writeFileSync(blocked, 'x');
    expect(loadDefinitions({ profileDirs: [PROFILES], cacheDir: blocked }).resourceTypes().length).toBeGreaterThan(140);
  });
});
