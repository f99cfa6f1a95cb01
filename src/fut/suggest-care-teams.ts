import type { Bundle, CarePlan, CareTeam, Coding, Condition, Organization } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcome';
import { read } from '../interactions/read';
import type { InteractionDeps, InteractionResult } from '../interactions/types';
import { SYSTEMS } from '../telemedicine/seed/resources';
import { readCurrent } from '../telemedicine/server-reads';
import { callerSearch } from './caller-search';
import type { FutOperationSpec } from './operation-definition';
import { one } from './parameters';

/**
 * `CarePlan/{id}/$suggest-care-teams` (FUT): the care teams that could take over a care plan in
 * a region or municipality — active CareTeams whose reasonCode covers every condition the plan
 * addresses and whose managing organization has that municipality code, or is (or is part of) an
 * organization with that region code. The plan is read as the caller's read (404 like one);
 * the care teams and organizations are those the caller's searches return.
 */
export const suggestCareTeamsSpec: FutOperationSpec = {
  id: 'CarePlan-i-suggest-care-teams',
  code: 'suggest-care-teams',
  title: 'Suggest care teams',
  description: `Suggests care teams for this CarePlan: active CareTeams with a reasonCode for every condition the plan addresses (CarePlan.addresses) and a managing organization with the municipality code (${SYSTEMS.municipality}) or in the region (${SYSTEMS.region}; the organization or the one it is partOf). regionCode or municipalityCode is required; with both, municipalityCode is ignored.`,
  level: 'instance',
  types: ['CarePlan'],
  methods: ['POST'],
  affectsState: false,
  inputs: [
    { name: 'regionCode', type: 'string', min: 0, max: '1', documentation: 'Region code of the care teams\' managing organization (DK-81 … DK-85).' },
    { name: 'municipalityCode', type: 'string', min: 0, max: '1', documentation: 'Municipality code of the care teams\' managing organization (e.g. 0851).' },
  ],
  output: { name: 'return', type: 'Bundle', documentation: 'A searchset Bundle of the matching CareTeams (mode match) and their managing Organizations (mode include).' },
  run: ({ deps, id }, inputs) => suggestCareTeams(deps, id as string, one(inputs, 'regionCode'), one(inputs, 'municipalityCode')),
};

async function suggestCareTeams(deps: InteractionDeps, carePlanId: string, regionCode: string | undefined, municipalityCode: string | undefined): Promise<InteractionResult> {
  const plan = JSON.parse((await read(deps, 'CarePlan', carePlanId)).body as string) as CarePlan;
  if (!regionCode && !municipalityCode) throw badRequest('Give regionCode or municipalityCode', ['regionCode']);
  const needed: Coding[] = [];
  for (const a of plan.addresses ?? []) {
    const id = a.reference?.startsWith('Condition/') ? a.reference.slice('Condition/'.length) : undefined;
    const condition = id ? await readCurrent<Condition>(deps, 'Condition', id) : undefined;
    const coding = condition?.code?.coding?.[0];
    if (coding) needed.push(coding);
  }
  const teams = await callerSearch<CareTeam>(deps, 'CareTeam', [['status', 'active'], ['_count', '1000']]);
  const organizations = new Map<string, Organization | undefined>();
  const organization = async (ref: string | undefined) => {
    const id = ref?.startsWith('Organization/') ? ref.slice('Organization/'.length) : undefined;
    if (!id) return undefined;
    if (!organizations.has(id)) organizations.set(id, (await callerSearch<Organization>(deps, 'Organization', [['_id', id]]))[0]);
    return organizations.get(id);
  };
  const has = (org: Organization | undefined, system: string, code: string) => !!org?.identifier?.some((i) => i.system === system && i.value === code);
  const matches: Array<{ team: CareTeam; org: Organization }> = [];
  for (const team of teams) {
    const covers = needed.every((n) => team.reasonCode?.some((r) => r.coding?.some((c) => c.system === n.system && c.code === n.code)));
    if (!covers) continue;
    const org = await organization(team.managingOrganization?.[0]?.reference);
    if (!org) continue;
    const inArea = regionCode ? has(org, SYSTEMS.region, regionCode) || has(await organization(org.partOf?.reference), SYSTEMS.region, regionCode) : has(org, SYSTEMS.municipality, municipalityCode as string);
    if (inArea) matches.push({ team, org });
  }
  const orgs = [...new Map(matches.map((m) => [m.org.id, m.org])).values()];
  const body: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: matches.length,
    entry: [...matches.map((m) => ({ fullUrl: `CareTeam/${m.team.id}`, resource: m.team, search: { mode: 'match' as const } })), ...orgs.map((o) => ({ fullUrl: `Organization/${o.id}`, resource: o, search: { mode: 'include' as const } }))],
  };
  return { status: 200, body };
}
