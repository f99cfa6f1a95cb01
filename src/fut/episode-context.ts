import type { CarePlan, EpisodeOfCare, Parameters } from '@medplum/fhirtypes';
import { badRequest, forbidden } from '../fhir/outcome';
import { read } from '../interactions/read';
import type { InteractionDeps, InteractionResult } from '../interactions/types';
import { EPISODE_EXTENSION } from '../telemedicine/triage/triage-result';
import { callerSearch } from './caller-search';
import type { FutOperationSpec } from './operation-definition';
import { one } from './parameters';
import { requireId } from './references';

/**
 * `EpisodeOfCare/{id}/$is-context-allowed` (FUT): may this episode be chosen as the context of a
 * session — for a citizen, is it the citizen's own (`patient`); for a practitioner, does the care
 * team (`careTeam`) take part in it, named on the episode or on one of its CarePlans. Without
 * either parameter the token's own patient or care team is asked about. The episode is read as
 * the caller's read (404 like one when it may not be seen); a context that is not allowed is a
 * 403 OperationOutcome. Answers the references that make it allowed.
 */
export const isContextAllowedSpec: FutOperationSpec = {
  id: 'EpisodeOfCare-i-is-context-allowed',
  code: 'is-context-allowed',
  title: 'Is context allowed',
  description: 'Checks that this EpisodeOfCare may be set as context: for a patient, that it is the patient\'s episode; for a practitioner, that the care team is one of the episode\'s teams (EpisodeOfCare.team) or of one of its CarePlans (CarePlan.careTeam). A finished, cancelled or entered-in-error episode is never allowed. Not allowed: 403 OperationOutcome. Without parameters the token\'s patient (citizen) or care team (clinician) is checked.',
  level: 'instance',
  types: ['EpisodeOfCare'],
  methods: ['GET', 'POST'],
  affectsState: false,
  inputs: [
    { name: 'patient', type: 'Reference', min: 0, max: '1', documentation: 'The patient asking for the context (a citizen).' },
    { name: 'careTeam', type: 'Reference', min: 0, max: '1', documentation: 'The care team asking for the context (a practitioner).' },
  ],
  output: { name: 'return', type: 'Parameters', documentation: 'For a patient: patient and EpisodeOfCare. For a practitioner: CareTeam (the team that gave access) and EpisodeOfCare or CarePlan (what named it).' },
  run: async ({ deps, id }, inputs) => isContextAllowed(deps, id as string, one(inputs, 'patient'), one(inputs, 'careTeam')),
};

const CLOSED = new Set(['finished', 'cancelled', 'entered-in-error']);

async function isContextAllowed(deps: InteractionDeps, episodeId: string, patient: string | undefined, careTeam: string | undefined): Promise<InteractionResult> {
  const episode = JSON.parse((await read(deps, 'EpisodeOfCare', episodeId)).body as string) as EpisodeOfCare;
  const auth = deps.access.auth;
  const askedPatient = patient ?? (careTeam === undefined && auth.kind === 'citizen' ? auth.patient : undefined);
  const askedTeam = careTeam ?? (patient === undefined ? auth.careTeam : undefined);
  if (!askedPatient && !askedTeam) throw badRequest('Give patient (a citizen) or careTeam (a practitioner); the token names neither', ['patient']);
  if (CLOSED.has(episode.status as string)) throw forbidden(`EpisodeOfCare/${episodeId} is ${episode.status}: it cannot be chosen as context`);
  const self = { name: 'EpisodeOfCare', valueReference: { reference: `EpisodeOfCare/${episodeId}` } };
  if (askedPatient) {
    const patientId = requireId(deps.baseUrl, askedPatient, 'Patient', 'patient');
    if (episode.patient?.reference !== `Patient/${patientId}`) throw forbidden(`EpisodeOfCare/${episodeId} is not an episode of Patient/${patientId}`);
    return answer([{ name: 'patient', valueReference: { reference: `Patient/${patientId}` } }, self]);
  }
  const teamRef = `CareTeam/${requireId(deps.baseUrl, askedTeam, 'CareTeam', 'careTeam')}`;
  const team = { name: 'CareTeam', valueReference: { reference: teamRef } };
  if ((episode.team ?? []).some((t) => t.reference === teamRef)) return answer([team, self]);
  const plans = await callerSearch<CarePlan>(deps, 'CarePlan', [['subject', episode.patient?.reference ?? ''], ['_count', '200']]);
  const plan = plans.find((p) => p.extension?.some((e) => e.url === EPISODE_EXTENSION && e.valueReference?.reference === `EpisodeOfCare/${episodeId}`) && p.careTeam?.some((t) => t.reference === teamRef));
  if (plan) return answer([team, { name: 'CarePlan', valueReference: { reference: `CarePlan/${plan.id}` } }]);
  throw forbidden(`${teamRef} takes no part in EpisodeOfCare/${episodeId}`);
}

function answer(parameter: Parameters['parameter']): InteractionResult {
  return { status: 200, body: { resourceType: 'Parameters', parameter } as Parameters };
}
