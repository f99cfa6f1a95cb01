import { loadConfig, ConfigError } from '../../../src/config';
import { DEFAULT_BINARY_LIMITS } from '../../../src/http/binary-body';

describe('KOLIBRI_BINARY_MAX_BYTES and KOLIBRI_BINARY_CONTENT_TYPES', () => {
  it('default to 10 MiB and images (jpeg, png, heic) and pdf', () => {
    expect(loadConfig({}).binary).toEqual(DEFAULT_BINARY_LIMITS);
    expect(DEFAULT_BINARY_LIMITS).toEqual({ maxBytes: 10 * 1024 * 1024, contentTypes: ['image/jpeg', 'image/png', 'image/heic', 'application/pdf'] });
  });

  it('take a size and a list of media types, lower-cased', () => {
    expect(loadConfig({ KOLIBRI_BINARY_MAX_BYTES: '2048', KOLIBRI_BINARY_CONTENT_TYPES: 'Image/JPEG, application/pdf' }).binary).toEqual({ maxBytes: 2048, contentTypes: ['image/jpeg', 'application/pdf'] });
  });

  it('refuse FHIR formats, forms and things that are not media types, with the others problems', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ KOLIBRI_BINARY_CONTENT_TYPES: 'image/png,application/fhir+json' })[0]).toContain('application/fhir+json');
    expect(problems({ KOLIBRI_BINARY_CONTENT_TYPES: 'jpeg' })[0]).toContain("'jpeg'");
    expect(problems({ KOLIBRI_BINARY_CONTENT_TYPES: 'application/x-www-form-urlencoded' })).toHaveLength(1);
    expect(problems({ KOLIBRI_BINARY_MAX_BYTES: '0' })[0]).toContain('KOLIBRI_BINARY_MAX_BYTES');
  });
});
