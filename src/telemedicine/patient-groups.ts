import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ActivityDefinition, Coding, PlanDefinition, Resource, ValueSet } from '@medplum/fhirtypes';
import type { Issue } from '../fhir/issue';
import { INCLUDED_IN_EXTENSION } from '../fhir/definitions/included-in';
import { splitCanonical } from '../store/canonical';

/**
 * A patient group is content, not code: one folder `groups/<group>/` of a profile folder holding
 * its PlanDefinition(s), ActivityDefinitions (with default thresholds), Questionnaires (with answer
 * significance), and two ValueSets that name Kolibri's shared ones in ext-included-in: the
 * diagnoses it covers (→ `ValueSet/diagnoses`, the Condition binding) and the measurement codes it
 * needs (→ `ValueSet/measurement-codes`, the ServiceRequest and Observation bindings). Adding a
 * folder adds a group; the definitions loader composes the ValueSets, the template loader writes
 * the templates.
 */
const GROUPS_FOLDER = 'groups';
const BASE = 'https://kolibri.dk/fhir';
const DIAGNOSES_VALUESET = `${BASE}/ValueSet/diagnoses`;
const MEASUREMENTS_VALUESET = `${BASE}/ValueSet/measurement-codes`;

export interface PatientGroup {
  /** The folder name. */
  name: string;
  resources: Resource[];
}

/** The groups of a profile folder, by folder name (sorted); none when it has no groups/. */
export function readGroups(profileDir: string): PatientGroup[] {
  const root = join(profileDir, GROUPS_FOLDER);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .filter((name) => statSync(join(root, name)).isDirectory())
    .map((name) => ({ name, resources: readJsonFolder(join(root, name)) }));
}

/** The resources of a folder's JSON files, sorted by file name. */
export function readJsonFolder(dir: string): Resource[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Resource);
}

/**
 * What makes a group usable, as issues (empty when it is): a PlanDefinition; a diagnoses and a
 * measurements ValueSet (ext-included-in); the PlanDefinition's focus diagnoses in the first,
 * every ActivityDefinition's codes in the second; every action's ActivityDefinition and every
 * Questionnaire an ActivityDefinition depends on among `known` (canonical URLs of all templates
 * loaded, any group's).
 */
export function checkGroup(group: PatientGroup, known: ReadonlySet<string>): Issue[] {
  const problems: string[] = [];
  const of = <T extends Resource>(type: string) => group.resources.filter((r) => r.resourceType === type) as T[];
  const plans = of<PlanDefinition>('PlanDefinition');
  const activities = of<ActivityDefinition>('ActivityDefinition');
  const valueSets = of<ValueSet>('ValueSet');
  const partOf = (target: string) => valueSets.find((vs) => vs.extension?.some((e) => e.url === INCLUDED_IN_EXTENSION && e.valueCanonical?.split('|')[0] === target));
  const diagnoses = partOf(DIAGNOSES_VALUESET);
  const measurements = partOf(MEASUREMENTS_VALUESET);
  if (plans.length === 0) problems.push('has no PlanDefinition');
  if (!diagnoses) problems.push(`has no ValueSet of diagnoses (ext-included-in ${DIAGNOSES_VALUESET})`);
  if (!measurements) problems.push(`has no ValueSet of measurement codes (ext-included-in ${MEASUREMENTS_VALUESET})`);
  for (const plan of plans) {
    const focus = (plan.useContext ?? []).filter((u) => u.code?.code === 'focus').flatMap((u) => u.valueCodeableConcept?.coding ?? []);
    for (const c of focus) if (diagnoses && !listed(diagnoses, c)) problems.push(`PlanDefinition/${plan.id} is for ${c.system}|${c.code}, which is not in ValueSet/${diagnoses.id}`);
    for (const action of plan.action ?? []) {
      if (action.definitionCanonical && !known.has(`ActivityDefinition ${splitCanonical(action.definitionCanonical).url}`)) {
        problems.push(`PlanDefinition/${plan.id} names ActivityDefinition ${action.definitionCanonical}, which no template defines`);
      }
    }
  }
  for (const ad of activities) {
    for (const c of ad.code?.coding ?? []) if (measurements && !listed(measurements, c)) problems.push(`ActivityDefinition/${ad.id} measures ${c.system}|${c.code}, which is not in ValueSet/${measurements.id}`);
    for (const artifact of ad.relatedArtifact ?? []) {
      if (artifact.type === 'depends-on' && artifact.resource?.includes('/Questionnaire/') && !known.has(`Questionnaire ${splitCanonical(artifact.resource).url}`)) {
        problems.push(`ActivityDefinition/${ad.id} depends on Questionnaire ${artifact.resource}, which no template defines`);
      }
    }
  }
  return problems.map((p) => ({ severity: 'error', code: 'invalid', diagnostics: `patient group ${group.name}: ${p}` }));
}

export interface NamedTemplate {
  type: 'ActivityDefinition' | 'Questionnaire';
  canonical: string;
}

/** The templates a group's PlanDefinitions and ActivityDefinitions name: ActivityDefinitions and the Questionnaires they depend on. */
export function namedTemplates(group: PatientGroup): NamedTemplate[] {
  return group.resources.flatMap((r): NamedTemplate[] => {
    if (r.resourceType === 'PlanDefinition') return (r.action ?? []).flatMap((a) => (a.definitionCanonical ? [{ type: 'ActivityDefinition', canonical: a.definitionCanonical }] : []));
    if (r.resourceType === 'ActivityDefinition') {
      return (r.relatedArtifact ?? []).flatMap((a) => (a.type === 'depends-on' && a.resource?.includes('/Questionnaire/') ? [{ type: 'Questionnaire', canonical: a.resource }] : []));
    }
    return [];
  });
}

/** Whether a ValueSet's compose lists the code (enumerated concepts; an include by filter, whole system or other ValueSet counts as listing it). */
function listed(vs: ValueSet, coding: Coding): boolean {
  return (vs.compose?.include ?? []).some((inc) =>
    inc.valueSet?.length ? true : inc.system === coding.system && (!inc.concept?.length || !!inc.filter?.length || inc.concept.some((c) => c.code === coding.code)),
  );
}
