import { nonCprUuid } from '../../support/ids';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, PlanDefinition } from '@medplum/fhirtypes';
import { FhirError } from '../../../src/fhir/outcome';
import { loadTemplates } from '../../../src/telemedicine/template-loader';
import { createTestApp, type TestApp } from '../../support/app';

/**
 * A patient group is a folder: dropping one into a profile folder's groups/ makes its templates
 * load at the next start, with no code change; a folder that is not a complete group fails the
 * load, naming what it lacks, and writes nothing.
 */
const PROFILES = join(__dirname, '..', '..', '..', 'fhir-profiles');
let t: TestApp;
let dir: string;

beforeAll(async () => {
  t = await createTestApp();
  // the shipped templates, so the copied group finds the shared one it names (the self-management questionnaire)
  await loadTemplates(t.services.interactions, [PROFILES]);
  dir = mkdtempSync(join(tmpdir(), 'kolibri-groups-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

/** The IBD group copied into `<dir>/groups/<name>/` with its ids and canonical URLs renamed (`ibd` → name). */
function copyIbdAs(root: string, name: string, drop: (file: string) => boolean = () => false): void {
  const from = join(PROFILES, 'groups', 'ibd');
  const to = join(root, 'groups', name);
  mkdirSync(to, { recursive: true });
  for (const file of readdirSync(from).filter((f) => !drop(f))) {
    writeFileSync(join(to, file.replace(/ibd/g, name)), readFileSync(join(from, file), 'utf8').replace(/ibd-/g, `${name}-`));
  }
}

it('loads the templates of a group folder it has never seen, and reports the group', async () => {
  const name = `g${nonCprUuid().slice(0, 8)}`;
  const root = join(dir, 'complete');
  copyIbdAs(root, name);
  const result = await loadTemplates(t.services.interactions, [root]);
  expect(result.groups).toEqual([name]);
  expect(result.created.sort()).toEqual([`ActivityDefinition/${name}-symptoms`, `ActivityDefinition/${name}-weight`, `PlanDefinition/${name}-home-monitoring`, `Questionnaire/${name}-symptoms`]);
  const found = await t.app.inject({ url: `/fhir/PlanDefinition?url=https://kolibri.dk/fhir/PlanDefinition/${name}-home-monitoring` });
  const plans = ((found.json() as Bundle).entry ?? []).map((e) => e.resource as PlanDefinition);
  expect(plans.map((p) => p.action?.map((a) => a.definitionCanonical))).toEqual([[`https://kolibri.dk/fhir/ActivityDefinition/${name}-symptoms|1.0`, `https://kolibri.dk/fhir/ActivityDefinition/${name}-weight|1.0`, 'https://kolibri.dk/fhir/ActivityDefinition/self-management|1.0']]);
  expect((await loadTemplates(t.services.interactions, [root])).created).toEqual([]);
});

it('refuses a group without its measurement codes or a Questionnaire it depends on, writing nothing', async () => {
  const name = `g${nonCprUuid().slice(0, 8)}`;
  const root = join(dir, 'incomplete');
  copyIbdAs(root, name, (f) => f.startsWith('valueset-ibd-measurements') || f.startsWith('questionnaire-'));
  const error = await loadTemplates(t.services.interactions, [root]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FhirError);
  expect((error as FhirError).issues.map((i) => i.diagnostics)).toEqual([
    `patient group ${name}: has no ValueSet of measurement codes (ext-included-in https://kolibri.dk/fhir/ValueSet/measurement-codes)`,
    `patient group ${name}: ActivityDefinition/${name}-symptoms depends on Questionnaire https://kolibri.dk/fhir/Questionnaire/${name}-symptoms|1.0, which no template defines`,
  ]);
  const found = await t.app.inject({ url: `/fhir/PlanDefinition?url=https://kolibri.dk/fhir/PlanDefinition/${name}-home-monitoring` });
  expect((found.json() as Bundle).entry ?? []).toEqual([]);
});
