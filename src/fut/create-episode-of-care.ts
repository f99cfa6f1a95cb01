import type { Bundle, Condition, EpisodeOfCare, Patient, Provenance, Resource } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { badRequest, notFound } from '../fhir/outcome';
import { authorizeEntry } from '../interactions/authorize';
import { transaction } from '../interactions/transaction';
import type { InteractionDeps, InteractionResult } from '../interactions/types';
import { callerAgents } from '../telemedicine/provenance-agents';
import { readCurrent } from '../telemedicine/server-reads';
import type { FutOperationSpec } from './operation-definition';
import { localId, localizeReferences } from './references';
import { businessRule } from './results';

/**
 * `[base]/$create-episode-of-care` (FUT): enrol a patient — one EpisodeOfCare (status planned),
 * the Conditions its diagnoses reference and the Provenances that record why the data may be
 * processed — in one transaction of the caller's ordinary creates (the care model's rules: only
 * staff of the managing organization, for a patient it reaches). The server adds an origin
 * Provenance targeting the episode. Answers the transaction-response Bundle.
 */
export const PRIVACY_POLICIES = [
  'http://ehealth.sundhed.dk/policy/dk/sundhedsloven',
  'http://ehealth.sundhed.dk/policy/dk/serviceloven',
  'http://ehealth.sundhed.dk/policy/dk/aeldreloven',
];

export const createEpisodeOfCareSpec: FutOperationSpec = {
  id: '-s-create-episode-of-care',
  code: 'create-episode-of-care',
  title: 'Create episode of care',
  description: `Creates an EpisodeOfCare from a Bundle holding exactly one EpisodeOfCare (status planned), the Conditions its diagnoses reference (subject the episode's patient) and at least one Provenance; every Provenance targets the EpisodeOfCare (its fullUrl) and at least one is a privacy Provenance (policy ${PRIVACY_POLICIES.join(', ')}). The patient must not be deceased. The entries are the caller's creates in one transaction, with an origin Provenance of the server targeting the episode.`,
  level: 'system',
  methods: ['POST'],
  affectsState: true,
  inputs: [{ name: 'episodeOfCareAndProvenances', type: 'resource', resourceType: 'Bundle', min: 1, max: '1', documentation: 'One EpisodeOfCare, the Conditions referenced by its diagnoses, and Provenances targeting the EpisodeOfCare (entries with fullUrl).' }],
  output: { name: 'return', type: 'Bundle', documentation: 'The transaction-response Bundle: the entries in the request\'s order, then the origin Provenance.' },
  run: ({ deps }, inputs) => createEpisodeOfCare(deps, inputs.get('episodeOfCareAndProvenances')?.[0] as Bundle),
};

async function createEpisodeOfCare(deps: InteractionDeps, bundle: Bundle): Promise<InteractionResult> {
  const entries = (bundle.entry ?? []).map((e, i) => {
    const resource = localizeReferences(deps.baseUrl, e?.resource) as Resource | undefined;
    if (!resource || !['EpisodeOfCare', 'Condition', 'Provenance'].includes(resource.resourceType)) {
      throw badRequest(`Entry ${i + 1} is ${resource?.resourceType ?? 'not a resource'}; the Bundle holds one EpisodeOfCare, Conditions and Provenances`, [`Bundle.entry[${i}].resource`]);
    }
    return { fullUrl: typeof e.fullUrl === 'string' ? e.fullUrl : `urn:uuid:${randomUUID()}`, resource };
  });
  const episodes = entries.filter((e) => e.resource.resourceType === 'EpisodeOfCare');
  if (episodes.length !== 1) throw badRequest(`The Bundle must hold exactly one EpisodeOfCare, it holds ${episodes.length}`, ['Bundle.entry']);
  const episode = episodes[0].resource as EpisodeOfCare;
  const patientId = localId(deps.baseUrl, episode.patient?.reference, 'Patient');
  if (!patientId) throw badRequest('EpisodeOfCare.patient must reference a Patient', ['EpisodeOfCare.patient']);
  // the patient as the caller may see it: hidden and nonexistent answer alike, before any rule says more
  const patient = await readCurrent<Patient>(deps, 'Patient', patientId);
  if (!patient) throw notFound(`Patient/${patientId} is not known`);
  await deps.access.ensureVisible(patient, `Patient/${patientId}`);

  if (episode.status !== 'planned') throw businessRule(`The EpisodeOfCare must have status planned, got '${episode.status}'`, 'EpisodeOfCare.status');
  if (patient.deceasedBoolean === true || patient.deceasedDateTime) throw businessRule(`Patient/${patientId} is deceased`, 'EpisodeOfCare.patient');
  const conditions = new Map(entries.filter((e) => e.resource.resourceType === 'Condition').map((e) => [e.fullUrl, e.resource as Condition]));
  for (const d of episode.diagnosis ?? []) {
    const ref = d.condition?.reference ?? '';
    const condition = conditions.get(ref) ?? (localId(deps.baseUrl, ref, 'Condition') ? await readCurrent<Condition>(deps, 'Condition', localId(deps.baseUrl, ref, 'Condition') as string) : undefined);
    if (!condition || condition.subject?.reference !== `Patient/${patientId}`) throw businessRule(`Diagnosis ${ref} is not a Condition of Patient/${patientId} in the Bundle or on the server`, 'EpisodeOfCare.diagnosis.condition');
  }
  for (const c of conditions.values()) if (c.subject?.reference !== `Patient/${patientId}`) throw businessRule(`Every Condition must be about Patient/${patientId}`, 'Condition.subject');
  const provenances = entries.filter((e) => e.resource.resourceType === 'Provenance').map((e) => e.resource as Provenance);
  if (provenances.length === 0) throw businessRule('The Bundle must hold at least one Provenance targeting the EpisodeOfCare', 'Bundle.entry');
  if (provenances.some((p) => !(p.target ?? []).some((t) => t.reference === episodes[0].fullUrl))) throw businessRule(`Every Provenance must target the EpisodeOfCare (${episodes[0].fullUrl})`, 'Provenance.target');
  if (!provenances.some((p) => (p.policy ?? []).some((u) => PRIVACY_POLICIES.includes(u)))) throw businessRule(`At least one Provenance must name a privacy policy (${PRIVACY_POLICIES.join(', ')})`, 'Provenance.policy');

  const origin: Provenance = {
    resourceType: 'Provenance',
    target: [{ reference: episodes[0].fullUrl }],
    recorded: deps.clock.now().toISOString(),
    activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE', display: 'create' }], text: 'episode of care created' },
    agent: callerAgents(deps.access.auth),
  };
  const own = entries.length;
  const all = [...entries, { fullUrl: `urn:uuid:${randomUUID()}`, resource: origin }].map((e) => ({ ...e, request: { method: 'POST', url: e.resource.resourceType } }));
  const authorize = authorizeEntry(deps);
  return transaction(deps, all, { authorize: (entry) => (entry.index < own ? authorize(entry) : undefined), trusted: (index) => index >= own });
}
