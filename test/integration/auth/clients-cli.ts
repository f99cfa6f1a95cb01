import { run } from '../../../src/cli/clients';
import { testDatabaseUrl } from '../../support/app';

/** Run `kolibri clients …` in-process against the test database: exit code, stdout, stderr. */
export async function clientsCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await run(argv, { DATABASE_URL: testDatabaseUrl(), KOLIBRI_MIGRATE: 'off' }), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}
