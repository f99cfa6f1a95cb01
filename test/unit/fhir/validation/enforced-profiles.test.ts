import { loadConfig } from '../../../../src/config';
import { KOLIBRI_PROFILES, parseEnforcedProfiles } from '../../../../src/fhir/validation/enforced-profiles';

it('enforces nothing by default', () => {
  expect(parseEnforcedProfiles(undefined, [])).toEqual({});
});
it("'kolibri' enforces every Kolibri profile for its type, and pairs add more", () => {
  const problems: string[] = [];
  const parsed = parseEnforcedProfiles('kolibri, Device=https://x/dev, Observation=https://x/obs', problems);
  expect(problems).toEqual([]);
  expect(Object.keys(parsed)).toHaveLength(16);
  expect(parsed.Observation).toEqual([KOLIBRI_PROFILES.Observation, 'https://x/obs']);
  expect(parsed.Device).toEqual(['https://x/dev']);
});
it('reports malformed entries through the config loader', () => {
  expect(() => loadConfig({ KOLIBRI_ENFORCE_PROFILES: 'observation:https://x' })).toThrow(/KOLIBRI_ENFORCE_PROFILES/);
  expect(loadConfig({ KOLIBRI_ENFORCE_PROFILES: 'Patient=https://x/p' }).enforcedProfiles).toEqual({ Patient: ['https://x/p'] });
});
