import type { Bundle, CarePlan, Parameters, PlanDefinition } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { badRequest, notFound } from '../fhir/outcome';
import type { OperationContext } from '../interactions/operation';
import type { InteractionDeps, InteractionResult } from '../interactions/types';
import { splitCanonical } from '../store/canonical';
import { persistPlan, resolveApply, withStatus } from '../telemedicine/apply-plan';
import { instantiatePlan } from '../telemedicine/plan-instance';
import type { DocumentedInput, FutOperationSpec } from './operation-definition';
import { one } from './parameters';
import { localId, requireId } from './references';
import { resourcesOf } from './results';

/**
 * FUT's `$apply`: a CarePlan with its ServiceRequests for an episode of care, from a
 * PlanDefinition — the instance level (`PlanDefinition/{id}/$apply`) and the system level
 * (`[base]/$apply` with `planDefinition`). POST persists and answers the CarePlan; GET previews:
 * a transaction Bundle of the transient CarePlan and ServiceRequests (`urn:uuid:` fullUrls) that
 * a client may change and then POST as a transaction. The patient is the episode's. Both run
 * Kolibri's own `$apply` (resolveApply: the caller must see the plan, the episode and its patient;
 * persistPlan: the ordinary transaction, each entry authorized as a create).
 */

const EPISODE: DocumentedInput = { name: 'episodeOfCare', type: 'Reference', min: 1, max: '1', documentation: 'The EpisodeOfCare the plan is applied for (EpisodeOfCare/{id} or its absolute URL at this server; valueReference, valueString or a query parameter). The CarePlan is for its patient and care team.' };
const OUTPUT = { name: 'return', type: 'Resource', documentation: 'POST: the persisted CarePlan. GET: a transaction Bundle of the transient CarePlan and ServiceRequests.' };

/** The instance level; an overload of Kolibri's `PlanDefinition/{id}/$apply` for requests that name only `episodeOfCare`. */
export const applyInstanceSpec: FutOperationSpec = {
  id: 'PlanDefinition-i-apply',
  code: 'apply',
  title: 'Create a careplan',
  description: 'Creates a CarePlan with one ServiceRequest per activity of this PlanDefinition for an episode of care. POST persists the resources and returns the CarePlan; GET returns the transient CarePlan and ServiceRequests in a transaction Bundle. (Requests that also give subject, start or persist are Kolibri\'s shape of $apply: https://kolibri.dk/fhir/OperationDefinition/PlanDefinition-kolibri-apply.)',
  level: 'instance',
  types: ['PlanDefinition'],
  methods: ['GET', 'POST'],
  // as FUT declares it: GET (a preview) is allowed; POST persists
  affectsState: false,
  inputs: [EPISODE],
  output: OUTPUT,
  accepts: onlyEpisodeOfCare,
  run: ({ deps, id, method }, inputs) => applyFut(deps, id as string, one(inputs, 'episodeOfCare') as string, method),
};

export const applySystemSpec: FutOperationSpec = {
  id: '-s-apply',
  code: 'apply',
  title: 'Create a careplan',
  description: 'Creates a CarePlan with one ServiceRequest per activity of a PlanDefinition for an episode of care. POST persists the resources and returns the CarePlan; GET returns the transient CarePlan and ServiceRequests in a transaction Bundle.',
  level: 'system',
  methods: ['GET', 'POST'],
  // as FUT declares it: GET (a preview) is allowed; POST persists
  affectsState: false,
  inputs: [
    { name: 'planDefinition', type: 'Reference', min: 1, max: '1', documentation: 'The PlanDefinition to apply: PlanDefinition/{id}, its absolute URL at this server, or its canonical URL (url or url|version).' },
    EPISODE,
  ],
  output: OUTPUT,
  run: async ({ deps, method }, inputs) => applyFut(deps, await planId(deps, one(inputs, 'planDefinition') as string), one(inputs, 'episodeOfCare') as string, method),
};

async function applyFut(deps: InteractionDeps, planDefinitionId: string, episodeOfCare: string, method: 'GET' | 'POST'): Promise<InteractionResult> {
  const episodeId = requireId(deps.baseUrl, episodeOfCare, 'EpisodeOfCare', 'episodeOfCare');
  const applied = await resolveApply(deps, planDefinitionId, { episodeOfCare: `EpisodeOfCare/${episodeId}` });
  if (method === 'GET') {
    const urls = applied.activities.map(() => `urn:uuid:${randomUUID()}`);
    const { carePlan, serviceRequests } = withStatus(instantiatePlan(applied.plan, applied.activities, applied.subject, (i) => urls[i]), 'draft');
    const post = (resource: CarePlan | (typeof serviceRequests)[number], fullUrl: string) => ({ fullUrl, resource, request: { method: 'POST' as const, url: resource.resourceType } });
    const body: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [post(carePlan, `urn:uuid:${randomUUID()}`), ...serviceRequests.map((sr, i) => post(sr, urls[i]))] };
    return { status: 200, body };
  }
  const carePlan = resourcesOf(await persistPlan(deps, applied, 'draft')).find((r) => r?.resourceType === 'CarePlan');
  return { status: 200, body: carePlan as CarePlan };
}

/** The PlanDefinition a system-level request names: a reference here, else a canonical URL. */
async function planId(deps: InteractionDeps, given: string): Promise<string> {
  const local = localId(deps.baseUrl, given, 'PlanDefinition');
  if (local) return local;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(given)) throw badRequest(`planDefinition must reference a PlanDefinition or give its canonical URL, got '${given}'`, ['planDefinition']);
  const { url, version } = splitCanonical(given);
  const found = (await deps.findCanonical('PlanDefinition', url, version)) as PlanDefinition | undefined;
  if (!found?.id) throw notFound(`PlanDefinition ${given} is not known`);
  return found.id;
}

/** A request in FUT's shape: no parameter but episodeOfCare (in the query or the Parameters body). */
function onlyEpisodeOfCare(ctx: OperationContext): boolean {
  const names = Object.keys(ctx.query).filter((n) => !n.startsWith('_format'));
  const body = ctx.body as Parameters | undefined;
  if (body && typeof body === 'object' && body.resourceType === 'Parameters') names.push(...(body.parameter ?? []).map((p) => p.name as string));
  return names.length > 0 && names.every((n) => n === 'episodeOfCare');
}
