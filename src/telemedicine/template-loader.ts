import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { unprocessable } from '../fhir/outcome';
import type { SharedDeps } from '../interactions/types';
import { splitCanonical } from '../store/canonical';
import { upsertDefinitions, type UpsertResult } from '../modules/definitions';
import { checkGroup, namedTemplates, readGroups, readJsonFolder } from './patient-groups';

/**
 * Plan templates (PlanDefinitions, ActivityDefinitions, their Questionnaires) and the
 * OperationDefinitions of Kolibri's own operations (fhir-profiles/operations/, the canonicals the
 * CapabilityStatement names) are ordinary FHIR resources in the database, so vendor apps read and
 * search them like any other. Templates come from each patient group's folder
 * (fhir-profiles/groups/<group>/, see ./patient-groups.ts), and from a profile folder's
 * `templates/` (templates that belong to no group). At start-up each file is upserted by
 * canonical URL and version: created when missing (at the file's id), updated when its content
 * changed, left alone otherwise — so a restart writes nothing. All files in one transaction; each
 * is validated first, and each group is checked to be complete (a group that is not fails the
 * start, naming what is missing; a template it names may also be one already stored).
 */
export const TEMPLATE_TYPES = new Set(['PlanDefinition', 'ActivityDefinition', 'Questionnaire', 'OperationDefinition']);
const TEMPLATE_FOLDERS = ['templates', 'operations'];

export interface TemplateLoadResult extends UpsertResult {
  /** The patient groups found (folder names), in load order. */
  groups: string[];
}

/** Upsert the templates of every group and of `<dir>/templates` and `<dir>/operations`, of each profile folder. */
export async function loadTemplates(deps: Pick<SharedDeps, 'store' | 'validator' | 'findCanonical'>, profileDirs: readonly string[]): Promise<TemplateLoadResult> {
  const groups = profileDirs.flatMap(readGroups);
  const templates = [
    ...groups.flatMap((g) => g.resources.filter(isTemplate)),
    ...profileDirs.flatMap((dir) => TEMPLATE_FOLDERS.flatMap((folder) => readJsonFolder(join(dir, folder)).filter(isTemplate))),
  ];
  const result: TemplateLoadResult = { created: [], updated: [], unchanged: [], groups: groups.map((g) => g.name) };
  if (templates.length === 0) return result;
  const known = new Set(templates.map((t) => `${t.resourceType} ${(t as { url: string }).url}`));
  // A group may name a template another profile folder loaded earlier (the shared self-management questionnaire).
  for (const { type, canonical } of groups.flatMap(namedTemplates)) {
    const { url, version } = splitCanonical(canonical);
    if (!known.has(`${type} ${url}`) && (await deps.findCanonical(type, url, version))) known.add(`${type} ${url}`);
  }
  const incomplete = groups.flatMap((g) => checkGroup(g, known));
  if (incomplete.length) throw unprocessable(incomplete);
  await upsertDefinitions(deps, templates, result);
  return result;
}

function isTemplate(r: Resource): boolean {
  return TEMPLATE_TYPES.has(r.resourceType) && typeof (r as { url?: unknown }).url === 'string' && typeof r.id === 'string';
}
