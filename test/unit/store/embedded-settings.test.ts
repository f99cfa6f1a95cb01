import { loadConfig } from '../../../src/config';
import { embeddedSettings, parseServerSettings } from '../../../src/store/embedded-settings';

const GB = 1024 * 1024 * 1024;

describe('embedded PostgreSQL settings', () => {
  it('give a quarter of the memory to shared_buffers and tell the planner three quarters are cache', () => {
    expect(embeddedSettings(16 * GB)).toEqual({
      shared_buffers: '4096MB',
      effective_cache_size: '12288MB',
      work_mem: '64MB',
      maintenance_work_mem: '1024MB',
      max_wal_size: '4096MB',
    });
    expect(embeddedSettings(2 * GB)).toMatchObject({ shared_buffers: '512MB', effective_cache_size: '1536MB', work_mem: '8MB', maintenance_work_mem: '128MB' });
  });

  it('stay within sane bounds on tiny and huge machines', () => {
    expect(embeddedSettings(0.25 * GB)).toMatchObject({ shared_buffers: '128MB', work_mem: '4MB', maintenance_work_mem: '64MB', max_wal_size: '1024MB' });
    expect(embeddedSettings(512 * GB)).toMatchObject({ shared_buffers: '8192MB', work_mem: '64MB', maintenance_work_mem: '1024MB' });
  });

  it('let explicit settings win', () => {
    expect(embeddedSettings(16 * GB, { shared_buffers: '1GB', random_page_cost: '1.1' })).toMatchObject({ shared_buffers: '1GB', random_page_cost: '1.1', work_mem: '64MB' });
  });

  it('parse KOLIBRI_EMBEDDED_PG_SETTINGS and name bad pairs', () => {
    const problems: string[] = [];
    expect(parseServerSettings(' shared_buffers=2GB, random_page_cost = 1.1 ', problems)).toEqual({ shared_buffers: '2GB', random_page_cost: '1.1' });
    expect(problems).toEqual([]);
    parseServerSettings('shared_buffers,=1,Work-Mem=4MB', problems);
    expect(problems).toHaveLength(3);
    expect(() => loadConfig({ KOLIBRI_EMBEDDED_PG_SETTINGS: 'nonsense' })).toThrow(/KOLIBRI_EMBEDDED_PG_SETTINGS/);
  });

  it('are configured through the environment', () => {
    expect(loadConfig({})).toMatchObject({ preparedStatements: 200, embeddedPostgresMemoryMb: undefined, embeddedPostgresSettings: {} });
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: '0', KOLIBRI_EMBEDDED_PG_MEMORY_MB: '4096', KOLIBRI_EMBEDDED_PG_SETTINGS: 'work_mem=16MB' })).toMatchObject({
      preparedStatements: 0,
      embeddedPostgresMemoryMb: 4096,
      embeddedPostgresSettings: { work_mem: '16MB' },
    });
  });
});
