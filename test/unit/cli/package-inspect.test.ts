import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'packages');

/** `node bin/kolibri.js …` as an operator runs it, with its exit code and output. */
function kolibri(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'kolibri.js'), ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/**
 * `kolibri package inspect`: what FHIR NPM packages hold, and what would stop KOLIBRI_IG_PACKAGES
 * from loading them, with the file and resource named; no database.
 */
describe('kolibri package inspect (spawned)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'kolibri-inspect-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('lists a package set by kind, dependencies first, and exits 0 when all would load', async () => {
    const { code, stdout, stderr } = await kolibri(['package', 'inspect', join(FIXTURES, 'ehealth-mini'), join(FIXTURES, 'ehealth-base')]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.indexOf('test.ehealth.base#0.1.0')).toBeLessThan(stdout.indexOf('test.ehealth.mini#0.1.0'));
    expect(stdout).toContain('depends on hl7.fhir.r4.core#4.0.1, test.ehealth.base#0.1.0');
    expect(stdout).toContain('  StructureDefinition (2)\n    ehealth-observation  http://ehealth.sundhed.dk/fhir/StructureDefinition/ehealth-observation|0.1.0\n');
    for (const kind of ['ImplementationGuide (1)', 'ConceptMap (1)', 'NamingSystem (1)', 'OperationDefinition (1)', 'SearchParameter (1)', 'ValueSet (1)', 'CodeSystem (1)']) expect(stdout).toContain(`  ${kind}\n`);
    expect(stdout).not.toContain('not loaded');
    expect(stdout).toContain('all 10 definitions would load');
  });

  it('names the file and resource of each problem in a .tgz and exits 1', async () => {
    const dir = join(scratch, 'broken');
    cpSync(join(FIXTURES, 'ehealth-mini'), dir, { recursive: true });
    const sdFile = join(dir, 'package', 'StructureDefinition-ehealth-observation.json');
    const sd = JSON.parse(readFileSync(sdFile, 'utf8'));
    sd.differential.element.push({ id: 'Observation.nonsense', path: 'Observation.nonsense', min: 1 });
    writeFileSync(sdFile, JSON.stringify(sd));
    writeFileSync(join(dir, 'package', 'ValueSet-broken.json'), '{ not json');
    const tgz = join(scratch, 'broken.tgz');
    execFileSync('tar', ['czf', tgz, '-C', dir, 'package']);
    const { code, stdout } = await kolibri(['package', 'inspect', tgz, join(FIXTURES, 'ehealth-base')]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/would fail to load:/);
    expect(stdout).toContain(`${tgz}: package/ValueSet-broken.json: not JSON`);
    expect(stdout).toContain(`${tgz}: package/StructureDefinition-ehealth-observation.json (StructureDefinition/ehealth-observation): http://ehealth.sundhed.dk/fhir/StructureDefinition/ehealth-observation: element Observation.nonsense is not in the base`);
  });

  it('exits 2 without a package, 1 with one that is not there', async () => {
    expect((await kolibri(['package', 'inspect'])).code).toBe(2);
    expect((await kolibri(['package', 'list'])).code).toBe(2);
    const missing = await kolibri(['package', 'inspect', join(scratch, 'absent.tgz')]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`${join(scratch, 'absent.tgz')}: cannot read the package`);
  });
});
