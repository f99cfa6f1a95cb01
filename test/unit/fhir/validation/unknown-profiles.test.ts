import { loadConfig } from '../../../../src/config';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import type { DefinitionRegistry } from '../../../../src/fhir/definitions/registry';
import { createValidator } from '../../../../src/fhir/validation/validator';

/**
 * An unknown meta.profile URL: by default a warning that the profile was not checked (as the
 * reference validator does), so resources carrying other systems' profiles are accepted; an
 * error under KOLIBRI_UNKNOWN_PROFILES=error. A profile the caller asks for ($validate's
 * `profile`) or the server enforces stays an error whatever the setting.
 */
let registry: DefinitionRegistry;
beforeAll(() => {
  registry = loadDefinitions();
});

const OTHER = 'https://example.org/fhir/StructureDefinition/their-observation';
const obs = { resourceType: 'Observation', status: 'final', code: { text: 'SpO2' }, meta: { profile: [OTHER] } };

it('warns that an unknown meta.profile was not checked, by default', () => {
  expect(createValidator(registry).validate(obs)).toEqual([
    expect.objectContaining({ severity: 'warning', code: 'not-supported', expression: ['Observation.meta.profile[0]'], diagnostics: expect.stringContaining('not checked') }),
  ]);
});

it('still checks the base type when every meta.profile is unknown', () => {
  const issues = createValidator(registry).validate({ ...obs, status: 'nonsense' });
  expect(issues.filter((i) => i.severity === 'error').map((i) => i.expression?.[0])).toEqual(['Observation.status']);
});

it('makes an unknown meta.profile an error under unknownProfiles: error', () => {
  expect(createValidator(registry, { unknownProfiles: 'error' }).validate(obs)).toEqual([
    expect.objectContaining({ severity: 'error', code: 'not-supported', expression: ['Observation.meta.profile[0]'] }),
  ]);
});

it('keeps an unknown requested profile an error', () => {
  const { meta: _meta, ...plain } = obs;
  expect(createValidator(registry).validate(plain, { profiles: [OTHER] })).toEqual([expect.objectContaining({ severity: 'error', code: 'not-supported' })]);
});

describe('KOLIBRI_UNKNOWN_PROFILES', () => {
  it('defaults to warning and accepts error', () => {
    expect(loadConfig({}).unknownProfiles).toBe('warning');
    expect(loadConfig({ KOLIBRI_UNKNOWN_PROFILES: 'error' }).unknownProfiles).toBe('error');
  });
  it('refuses anything else', () => {
    expect(() => loadConfig({ KOLIBRI_UNKNOWN_PROFILES: 'ignore' })).toThrow(/KOLIBRI_UNKNOWN_PROFILES must be one of warning, error/);
  });
});
