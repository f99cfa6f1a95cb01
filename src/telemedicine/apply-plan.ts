import { randomUUID } from 'node:crypto';
import type { ActivityDefinition, CarePlan, EpisodeOfCare, Parameters, PlanDefinition, ServiceRequest } from '@medplum/fhirtypes';
import { badRequest, notFound, unprocessable } from '../fhir/outcome';
import { authorizeEntry } from '../interactions/authorize';
import { read } from '../interactions/read';
import { transaction } from '../interactions/transaction';
import type { InteractionDeps, InteractionResult } from '../interactions/types';
import { splitCanonical } from '../store/canonical';
import { instantiatePlan, type PlanSubject } from './plan-instance';
import { idOf, readCurrent } from './server-reads';

/**
 * `PlanDefinition/{id}/$apply` (https://hl7.org/fhir/R4/plandefinition-operation-apply.html).
 * Parameters (query string for GET, a Parameters body for POST): `subject` (Patient/{id}, R4),
 * `episodeOfCare` (EpisodeOfCare/{id}, Kolibri: the enrolment the plan belongs to), `start`
 * (YYYY-MM-DD, default today) and `persist` (Kolibri, default false).
 *
 * As R4 defines it, $apply returns the CarePlan WITHOUT persisting it: the ServiceRequests are
 * contained (`#sr-0`…). With `persist=true` the ServiceRequests and the CarePlan are created in
 * one transaction through the ordinary bundle processing (each entry validated and authorized
 * like a create: the caller needs create scopes and must reach the patient) and the answer is
 * the transaction-response Bundle (ServiceRequests first, then the CarePlan).
 */
export async function applyPlanDefinition(deps: InteractionDeps, planId: string, input: ApplyInput): Promise<InteractionResult> {
  const applied = await resolveApply(deps, planId, input);
  if (!input.persist) {
    const { carePlan, serviceRequests } = instantiatePlan(applied.plan, applied.activities, applied.subject, (i) => `#sr-${i}`);
    return { status: 200, body: { ...carePlan, contained: serviceRequests.map((sr, i) => ({ ...sr, id: `sr-${i}` })) } };
  }
  return persistPlan(deps, applied);
}

/** A PlanDefinition resolved for one patient's episode: what instantiatePlan needs, checked. */
export interface ResolvedApply {
  plan: PlanDefinition;
  activities: ActivityDefinition[];
  subject: PlanSubject;
}

/**
 * Read the plan (as the caller's read), the episode and the patient (each must be visible to the
 * caller: 404 as a read otherwise), check they belong together and resolve the plan's
 * ActivityDefinitions. Without `subject` the patient is the episode's.
 */
export async function resolveApply(deps: InteractionDeps, planId: string, input: Omit<ApplyInput, 'persist'>): Promise<ResolvedApply> {
  const plan = JSON.parse((await read(deps, 'PlanDefinition', planId)).body as string) as PlanDefinition;
  const episodeId = idOf(input.episodeOfCare, 'EpisodeOfCare');
  let patientId = idOf(input.subject, 'Patient');
  if (!patientId && input.subject !== undefined) throw badRequest('subject must be a Patient reference (Patient/{id})', ['subject']);
  if (!episodeId) throw badRequest('episodeOfCare must be an EpisodeOfCare reference (EpisodeOfCare/{id})', ['episodeOfCare']);
  if (patientId) {
    const patient = await readCurrent(deps, 'Patient', patientId);
    if (!patient) throw notFound(`Patient/${patientId} is not known`);
    await deps.access.ensureVisible(patient, `Patient/${patientId}`);
  }
  const episode = await readCurrent<EpisodeOfCare>(deps, 'EpisodeOfCare', episodeId);
  if (!episode) throw notFound(`EpisodeOfCare/${episodeId} is not known`);
  await deps.access.ensureVisible(episode, `EpisodeOfCare/${episodeId}`);
  if (!patientId) {
    patientId = idOf(episode.patient?.reference, 'Patient');
    if (!patientId) throw unprocessable([{ severity: 'error', code: 'business-rule', diagnostics: `EpisodeOfCare/${episodeId} names no Patient`, expression: ['episodeOfCare'] }]);
  }
  if (episode.patient?.reference !== `Patient/${patientId}`) {
    throw unprocessable([{ severity: 'error', code: 'business-rule', diagnostics: `EpisodeOfCare/${episodeId} is not an episode of Patient/${patientId}`, expression: ['episodeOfCare'] }]);
  }
  const start = input.start ?? deps.clock.now().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) throw badRequest(`start must be a date (YYYY-MM-DD), got '${start}'`, ['start']);

  const activities: ActivityDefinition[] = [];
  for (const action of plan.action ?? []) {
    if (!action.definitionCanonical) continue;
    const { url, version } = splitCanonical(action.definitionCanonical);
    const ad = (await deps.findCanonical('ActivityDefinition', url, version)) as ActivityDefinition | undefined;
    if (!ad) throw unprocessable([{ severity: 'error', code: 'not-found', diagnostics: `ActivityDefinition ${action.definitionCanonical} of PlanDefinition/${planId} is not known` }]);
    activities.push(ad);
  }
  return { plan, activities, subject: { patientId, episodeId, careTeamId: idOf(episode.team?.[0]?.reference, 'CareTeam'), start } };
}

/**
 * The ServiceRequests and the CarePlan created in one transaction through the ordinary bundle
 * processing (each entry validated and authorized like a create); the transaction-response Bundle.
 */
export async function persistPlan(deps: InteractionDeps, applied: ResolvedApply, status?: 'draft'): Promise<InteractionResult> {
  const urls = applied.activities.map(() => `urn:uuid:${randomUUID()}`);
  const { carePlan, serviceRequests } = withStatus(instantiatePlan(applied.plan, applied.activities, applied.subject, (i) => urls[i]), status);
  const entries = [
    ...serviceRequests.map((resource, i) => ({ fullUrl: urls[i], resource, request: { method: 'POST', url: 'ServiceRequest' } })),
    { fullUrl: `urn:uuid:${randomUUID()}`, resource: carePlan, request: { method: 'POST', url: 'CarePlan' } },
  ];
  return transaction(deps, entries, { authorize: authorizeEntry(deps) });
}

/**
 * The instantiated plan with the CarePlan and its ServiceRequests in `status` (FUT's $apply makes
 * drafts, which the clinician activates; Kolibri's own makes them active at once).
 */
export function withStatus<T extends { carePlan: CarePlan; serviceRequests: ServiceRequest[] }>(plan: T, status?: 'draft'): T {
  if (!status) return plan;
  return { ...plan, carePlan: { ...plan.carePlan, status }, serviceRequests: plan.serviceRequests.map((sr) => ({ ...sr, status })) };
}

export interface ApplyInput {
  subject?: string;
  episodeOfCare?: string;
  start?: string;
  persist: boolean;
}

/** The operation's parameters from a query string (GET) or a Parameters body (POST). */
export function applyInput(query: Record<string, string | string[] | undefined>, body: unknown): ApplyInput {
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) values.set(k, Array.isArray(v) ? v[0] : v);
  const params = body as Parameters | undefined;
  if (params && typeof params === 'object' && params.resourceType === 'Parameters') {
    for (const p of params.parameter ?? []) {
      const v = p.valueString ?? p.valueReference?.reference ?? p.valueDate ?? p.valueCode ?? (p.valueBoolean !== undefined ? String(p.valueBoolean) : undefined);
      if (v !== undefined) values.set(p.name as string, v);
    }
  } else if (body !== undefined && body !== null && body !== '') {
    throw badRequest('The body of $apply must be a Parameters resource');
  }
  const persist = values.get('persist');
  if (persist !== undefined && persist !== 'true' && persist !== 'false') throw badRequest(`persist must be true or false, got '${persist}'`, ['persist']);
  return { subject: values.get('subject'), episodeOfCare: values.get('episodeOfCare'), start: values.get('start'), persist: persist === 'true' };
}
