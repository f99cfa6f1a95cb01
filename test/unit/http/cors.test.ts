import { ConfigError, loadConfig } from '../../../src/config';

describe('KOLIBRI_CORS_ORIGINS', () => {
  it.each([
    [undefined, ['*']],
    ['', ['*']],
    ['*', ['*']],
    ['https://app.example.dk', ['https://app.example.dk']],
    ['https://app.example.dk, http://localhost:5173', ['https://app.example.dk', 'http://localhost:5173']],
    ['https://app.example.dk,*', ['*']],
  ])('%p → %p', (raw, origins) => {
    expect(loadConfig({ KOLIBRI_CORS_ORIGINS: raw }).corsOrigins).toEqual(origins);
  });

  it.each(['app.example.dk', 'https://app.example.dk/', 'https://app.example.dk/path', 'ftp://x.dk'])('refuses %p: an origin has a scheme and no path', (raw) => {
    expect(() => loadConfig({ KOLIBRI_CORS_ORIGINS: raw })).toThrow(ConfigError);
    expect(() => loadConfig({ KOLIBRI_CORS_ORIGINS: raw })).toThrow(/KOLIBRI_CORS_ORIGINS/);
  });
});
