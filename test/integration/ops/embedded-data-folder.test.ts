import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/free-port';
import { exited, makeDataDir, spawnKolibri, startKolibri, type KolibriProcess } from './kolibri-process';

const portFile = (dataDir: string) => Number(readFileSync(join(dataDir, 'embedded-pg-port'), 'utf8'));
/** What a refused start printed, without pino's JSON lines. */
const plainLines = (k: KolibriProcess) => k.output().trim().split('\n').filter((l) => !l.startsWith('{'));

async function stop(k: KolibriProcess | undefined): Promise<void> {
  if (!k || k.child.exitCode !== null || k.child.signalCode !== null) return;
  k.child.kill('SIGTERM');
  await exited(k.child);
}

/**
 * The embedded database's data folder: with KOLIBRI_EMBEDDED_PG_PORT unset each folder gets a
 * free port of its own, remembered across restarts; one server per folder; and a folder the
 * `postgres` user cannot reach is refused with one line that says what to do.
 */
describe('embedded database data folders', () => {
  const root = makeDataDir('kolibri-folders-');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // three starts of a server with a fresh embedded database (initdb, migrations, templates) each: on a
  // loaded 2-core machine one start takes 30 s
  it('starts two servers with default settings on two folders, refuses a second one on the same folder', async () => {
    const [a, b] = [join(root, 'a'), join(root, 'b')];
    const [portA, portB, portC] = [await freePort(), await freePort(), await freePort()];
    let first: KolibriProcess | undefined;
    let second: KolibriProcess | undefined;
    try {
      // two fresh starts at once share the two cores: each gets longer than a start alone
      [first, second] = await Promise.all([startKolibri({ KOLIBRI_DATA_DIR: a }, portA, 120_000), startKolibri({ KOLIBRI_DATA_DIR: b }, portB, 120_000)]);
      expect(portFile(a)).not.toBe(portFile(b));

      const intruder = spawnKolibri({ KOLIBRI_DATA_DIR: a }, portC);
      expect(await exited(intruder.child)).toBe(1);
      expect(plainLines(intruder)).toEqual([`kolibri: start-up failed: data folder ${a} is in use by another Kolibri process (pid ${first.child.pid}); stop it first, or give this one its own KOLIBRI_DATA_DIR`]);
      // the first server and its database are untouched
      expect((await fetch(`http://127.0.0.1:${portA}/fhir/Patient?_count=1`)).status).toBe(200);

      // a restart uses the port it remembered
      const remembered = portFile(a);
      await stop(first);
      first = await startKolibri({ KOLIBRI_DATA_DIR: a }, portA);
      expect(portFile(a)).toBe(remembered);
    } finally {
      await Promise.all([stop(first), stop(second)]);
    }
  }, 240_000);

  const asRoot = process.getuid?.() === 0 ? it : it.skip;

  asRoot('refuses a mktemp -d data folder the postgres user cannot enter, naming it and the fix', async () => {
    const locked = mkdtempSync(join(tmpdir(), 'kolibri-0700-'));
    try {
      const k = spawnKolibri({ KOLIBRI_DATA_DIR: locked }, await freePort());
      expect(await exited(k.child)).toBe(1);
      const lines = plainLines(k);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`cannot enter ${locked} (mode 0700`);
      expect(lines[0]).toContain(`chmod o+x ${locked}`);
      expect(lines[0]).toContain('KOLIBRI_DATA_DIR');
    } finally {
      rmSync(locked, { recursive: true, force: true });
    }
  }, 30_000);

  asRoot('names the 0700 home a checkout lies under, and creates nothing behind it', async () => {
    const home = join(root, 'home');
    mkdirSync(home, { mode: 0o700 });
    const k = spawnKolibri({ KOLIBRI_DATA_DIR: join(home, 'checkout', '.kolibri') }, await freePort());
    expect(await exited(k.child)).toBe(1);
    expect(plainLines(k)).toHaveLength(1);
    expect(plainLines(k)[0]).toMatch(new RegExp(`^kolibri: start-up failed: .*cannot enter ${home} \\(mode 0700.*chmod o\\+x ${home}`));
    expect(readdirSync(home)).toEqual([]);
  }, 30_000);

  asRoot('makes the folders it creates reachable for postgres, whatever the umask', async () => {
    const umask = process.umask(0o077);
    let k: KolibriProcess | undefined;
    try {
      const pending = startKolibri({ KOLIBRI_DATA_DIR: join(root, 'created', 'by', 'kolibri') }, await freePort());
      process.umask(umask);
      k = await pending;
      expect((await fetch(`http://127.0.0.1:${k.port}/fhir/Patient?_count=1`)).status).toBe(200);
    } finally {
      process.umask(umask);
      await stop(k);
    }
  }, 90_000);
});
