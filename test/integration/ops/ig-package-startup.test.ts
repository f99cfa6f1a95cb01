import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/free-port';
import { testDatabaseUrl } from '../../support/app';
import { exited, spawnKolibri } from './kolibri-process';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'packages');

/**
 * KOLIBRI_IG_PACKAGES with a package that cannot be loaded: the server does not start half a
 * guide; it exits 1 with one line naming the package file and the resource.
 */
describe('start-up with a broken implementation-guide package', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'kolibri-ig-start-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('stops with the file and the resource named', async () => {
    const broken = join(scratch, 'mini');
    cpSync(join(FIXTURES, 'ehealth-mini'), broken, { recursive: true });
    const file = join(broken, 'package', 'SearchParameter-ehealth-observation-episodeofcare.json');
    const { expression: _gone, ...sp } = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify(sp));
    const k = spawnKolibri(
      { DATABASE_URL: testDatabaseUrl(), KOLIBRI_MIGRATE: 'false', KOLIBRI_DATA_DIR: join(scratch, 'data'), KOLIBRI_DEFINITIONS_CACHE: 'off', KOLIBRI_IG_PACKAGES: `${broken},${join(FIXTURES, 'ehealth-base')}` },
      await freePort(),
    );
    expect(await exited(k.child)).toBe(1);
    expect(k.output()).toContain(
      `kolibri: start-up failed: implementation-guide package not loadable: ${broken}: package/SearchParameter-ehealth-observation-episodeofcare.json (SearchParameter/ehealth-observation-episodeofcare): no FHIRPath expression: it cannot be indexed`,
    );
  }, 60_000);
});
