import type { CarePlan, CareTeam, EpisodeOfCare, Reference, Resource } from '@medplum/fhirtypes';
import { badRequest, unprocessable } from '../fhir/outcome';
import { authorizeEntry } from '../interactions/authorize';
import { read } from '../interactions/read';
import { transaction } from '../interactions/transaction';
import type { InteractionDeps, InteractionResult } from '../interactions/types';
import { readCurrent } from '../telemedicine/server-reads';
import { callerSearch } from './caller-search';
import type { FutOperationSpec } from './operation-definition';
import { all } from './parameters';
import { requireId } from './references';
import { resourcesOf } from './results';

/**
 * `EpisodeOfCare/{id}/$update-care-teams` and `CarePlan/{id}/$update-care-teams` (FUT): add and
 * remove care teams of an episode (EpisodeOfCare.team) or of a care plan and all its sub plans
 * (CarePlan.careTeam; sub plans are CarePlans partOf it). The changes are the caller's ordinary
 * updates in one transaction, each with If-Match on the version read, so the care model's write
 * rules decide (an EpisodeOfCare's teams change only by its managing organization; adding another
 * organization's team shares the patient with it). Answers the updated resource.
 */
export const updateCareTeamsSpec: FutOperationSpec = {
  id: 'CarePlanEpisodeOfCare-i-update-care-teams',
  code: 'update-care-teams',
  title: 'Update care teams',
  description: 'Adds and removes care teams of this EpisodeOfCare (team) or of this CarePlan and all its sub plans (careTeam; CarePlans partOf it), as ordinary updates of the caller in one transaction. An added CareTeam must exist. addCareteams and removeCareteams are accepted as the same as addCareTeams and removeCareTeams.',
  level: 'instance',
  types: ['CarePlan', 'EpisodeOfCare'],
  methods: ['POST'],
  affectsState: true,
  inputs: [
    { name: 'addCareTeams', type: 'Reference', min: 0, max: '*', documentation: 'Care teams to add (CareTeam/{id}).' },
    { name: 'removeCareTeams', type: 'Reference', min: 0, max: '*', documentation: 'Care teams to remove.' },
    { name: 'addCareteams', type: 'Reference', min: 0, max: '*', documentation: 'The same as addCareTeams.' },
    { name: 'removeCareteams', type: 'Reference', min: 0, max: '*', documentation: 'The same as removeCareTeams.' },
  ],
  output: { name: 'return', type: 'Resource', documentation: 'The updated EpisodeOfCare or CarePlan.' },
  run: ({ deps, type, id }, inputs) => {
    const teams = (name: string) => [...all(inputs, name), ...all(inputs, name.replace('CareTeams', 'Careteams'))].map((r) => `CareTeam/${requireId(deps.baseUrl, r, 'CareTeam', name)}`);
    return updateCareTeams(deps, type as 'CarePlan' | 'EpisodeOfCare', id as string, teams('addCareTeams'), teams('removeCareTeams'));
  },
};

async function updateCareTeams(deps: InteractionDeps, type: 'CarePlan' | 'EpisodeOfCare', id: string, add: string[], remove: string[]): Promise<InteractionResult> {
  const target = JSON.parse((await read(deps, type, id)).body as string) as EpisodeOfCare | CarePlan;
  if (add.length === 0 && remove.length === 0) throw badRequest('Give addCareTeams or removeCareTeams', ['addCareTeams']);
  for (const ref of add) {
    if (!(await readCurrent(deps, 'CareTeam', ref.slice('CareTeam/'.length)))) throw unprocessable([{ severity: 'error', code: 'not-found', diagnostics: `${ref} is not known`, expression: ['addCareTeams'] }]);
  }
  const change = (refs: Reference<CareTeam>[] | undefined): Reference<CareTeam>[] => [...(refs ?? []).filter((r) => !remove.includes(r.reference ?? '')), ...add.filter((a) => !(refs ?? []).some((r) => r.reference === a)).map((reference) => ({ reference }))];
  const changed: Resource[] = [];
  if (target.resourceType === 'EpisodeOfCare') changed.push({ ...target, team: change(target.team) });
  else {
    const subPlans = await callerSearch<CarePlan>(deps, 'CarePlan', [['part-of', `CarePlan/${id}`], ['_count', '500']]);
    for (const plan of [target, ...subPlans]) changed.push({ ...plan, careTeam: change(plan.careTeam) });
  }
  const entries = changed.map((r) => {
    const version = r.meta?.versionId;
    const body = { ...r };
    delete body.meta;
    return { resource: body, request: { method: 'PUT', url: `${r.resourceType}/${r.id}`, ...(version ? { ifMatch: `W/"${version}"` } : {}) } };
  });
  const written = resourcesOf(await transaction(deps, entries, { authorize: authorizeEntry(deps) }));
  return { status: 200, body: written[0] as Resource };
}
