import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { hasErrors } from '../fhir/issue';
import { unprocessable } from '../fhir/outcome';
import type { SharedDeps } from '../interactions/types';
import { splitCanonical } from '../store/canonical';
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

export interface TemplateLoadResult {
  created: string[];
  updated: string[];
  unchanged: string[];
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

/**
 * Upsert definitional resources by canonical URL and version, each validated first, all in one
 * transaction: created at the file's id when missing, updated when changed, else left alone (so a
 * restart writes nothing). Other modules store their OperationDefinitions with it.
 */
export async function upsertDefinitions(
  deps: Pick<SharedDeps, 'store' | 'validator' | 'findCanonical'>,
  templates: readonly Resource[],
  result: Pick<TemplateLoadResult, 'created' | 'updated' | 'unchanged'> = { created: [], updated: [], unchanged: [] },
): Promise<Pick<TemplateLoadResult, 'created' | 'updated' | 'unchanged'>> {
  for (const t of templates) {
    const issues = deps.validator.validate(t);
    if (hasErrors(issues)) throw unprocessable(issues.map((i) => ({ ...i, diagnostics: `template ${t.resourceType}/${t.id}: ${i.diagnostics}` })));
  }
  await deps.store.transaction(async (tx) => {
    for (const t of templates) {
      const { url, version } = t as Resource & { url: string; version?: string };
      const existing = await deps.findCanonical(t.resourceType, url, version);
      const id = existing?.id ?? (t.id as string);
      const name = `${t.resourceType}/${id}`;
      if (existing && same(existing, t)) {
        result.unchanged.push(name);
        continue;
      }
      const written = await tx.update({ ...t, id }, { allowCreate: true });
      (written.created ? result.created : result.updated).push(name);
    }
  });
  return result;
}

function isTemplate(r: Resource): boolean {
  return TEMPLATE_TYPES.has(r.resourceType) && typeof (r as { url?: unknown }).url === 'string' && typeof r.id === 'string';
}

/** Equal apart from meta (versionId, lastUpdated) and the id the database chose. */
function same(stored: Resource, file: Resource): boolean {
  const strip = (r: Resource) => stableJson({ ...r, meta: { ...r.meta, versionId: undefined, lastUpdated: undefined }, id: undefined });
  return strip(stored) === strip(file);
}

/** JSON with object keys sorted (stored content need not keep the file's key order). */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).every((k) => (v as Record<string, unknown>)[k] === undefined)));
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
