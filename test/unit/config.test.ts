import { ConfigError, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: './.kolibri',
      baseUrl: 'http://127.0.0.1:8080/fhir',
      logLevel: 'info',
      maxBodyBytes: 5 * 1024 * 1024,
      updateCreate: true,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('keeps prepared definitions in a temp folder unless told otherwise', () => {
    expect(loadConfig({}).definitionsCacheDir).toMatch(/kolibri-definitions$/);
    expect(loadConfig({ KOLIBRI_DEFINITIONS_CACHE: '/var/cache/kolibri' }).definitionsCacheDir).toBe('/var/cache/kolibri');
    expect(loadConfig({ KOLIBRI_DEFINITIONS_CACHE: 'off' }).definitionsCacheDir).toBeUndefined();
  });

  it('bounds the old generation\'s growth at 20 % unless KOLIBRI_HEAP_GROWING_PERCENT says otherwise (0 = V8\'s rule)', () => {
    expect(loadConfig({}).heapGrowingPercent).toBe(20);
    expect(loadConfig({ KOLIBRI_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(loadConfig({ KOLIBRI_HEAP_GROWING_PERCENT: '100' }).heapGrowingPercent).toBe(100);
    expect(() => loadConfig({ KOLIBRI_HEAP_GROWING_PERCENT: '-5' })).toThrow(ConfigError);
    expect(() => loadConfig({ KOLIBRI_HEAP_GROWING_PERCENT: 'lots' })).toThrow(ConfigError);
  });

  it('reads KOLIBRI_IG_PACKAGES as a comma-separated list of package paths, none by default', () => {
    expect(loadConfig({}).igPackages).toEqual([]);
    expect(loadConfig({ KOLIBRI_IG_PACKAGES: ' /srv/ig/ips.tgz, ,fhir-profiles ' }).igPackages).toEqual(['/srv/ig/ips.tgz', 'fhir-profiles']);
  });

  it('derives BASE_URL from PORT and trims a trailing slash from an explicit one', () => {
    expect(loadConfig({ PORT: '9000' }).baseUrl).toBe('http://127.0.0.1:9000/fhir');
    expect(loadConfig({ HOST: '0.0.0.0' }).baseUrl).toBe('http://localhost:8080/fhir');
    expect(loadConfig({ BASE_URL: 'https://kolibri.example.dk/fhir/' }).baseUrl).toBe('https://kolibri.example.dk/fhir');
  });

  it('reports every problem at once with the variable names', () => {
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', MAX_BODY_BYTES: '-1', KOLIBRI_UPDATE_CREATE: 'maybe' });
      throw new Error('expected ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'MAX_BODY_BYTES', 'KOLIBRI_UPDATE_CREATE']) expect(text).toContain(name);
    }
  });
});
