import { randomUUID } from 'node:crypto';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcome';
import { precheckWrite } from '../interactions/authorize';
import { transaction } from '../interactions/transaction';
import type { InteractionDeps, InteractionResult } from '../interactions/types';
import { resolveSubmission, type Submitted } from './submission-context';
import { submissionDeps } from './triage-required';
import { triageObservation } from './triage/observation-triage';
import { triageResponse } from './triage/questionnaire-triage';
import { triagePhoto } from './triage/photo-triage';
import { assessmentTask, triageImpression, type TriagedItem } from './triage/triage-result';

/**
 * `POST /fhir/Patient/{id}/$submit-measurement`: a citizen app's Bundle of Observations,
 * QuestionnaireResponses and Media (photos, the image a Binary uploaded before) for one patient and one episode of care, stored and triaged in ONE
 * transaction (the engine's own transaction processing: profile validation, Questionnaire
 * checks, reference rewriting, index rows, audit):
 *
 *  - each Observation against its ServiceRequest's thresholds (src/telemedicine/triage/), the
 *    thresholds used copied onto its `referenceRange`;
 *  - each QuestionnaireResponse by the answer significance on its Questionnaire;
 *  - each Media (a photo) is for the care team to assess: yellow, "not triaged automatically";
 *  - a ClinicalImpression with the overall (worst) colour and one finding per item, and a
 *    "measurement for assessment" Task for the episode's care team (red → asap, yellow →
 *    urgent, green → routine), focus the ClinicalImpression.
 *
 * The caller's own items are authorized as ordinary creates (scope and access model: a citizen
 * in their own compartment, staff through the episode). The ClinicalImpression and Task are the
 * server's triage of what the caller was allowed to submit, so they need no Task/ClinicalImpression
 * create scope. Answer: the transaction-response Bundle, one entry per resource created (items
 * in the request's order, then the ClinicalImpression, then the Task).
 */
export async function submitMeasurement(deps: InteractionDeps, patientId: string, body: unknown): Promise<InteractionResult> {
  const items = submittedItems(body);
  const ctx = await resolveSubmission(deps, patientId, items);
  const now = deps.clock.now().toISOString();

  const urls = items.map(() => `urn:uuid:${randomUUID()}`);
  const triaged: TriagedItem[] = [];
  const written: Resource[] = items.map((item, i) => {
    if (item.resourceType === 'Observation') {
      const srId = item.basedOn?.[0]?.reference?.slice('ServiceRequest/'.length) ?? '';
      const { finding, observation } = triageObservation(item, ctx.thresholds.get(srId) ?? [], ctx.baselineOf);
      triaged.push({ reference: urls[i], finding });
      return observation;
    }
    if (item.resourceType === 'Media') {
      triaged.push({ reference: urls[i], finding: triagePhoto(item) });
      return item;
    }
    triaged.push({ reference: urls[i], finding: triageResponse(item, ctx.questionnaires.get(item.questionnaire ?? '')) });
    return item;
  });
  const triage = { patientId, episodeId: ctx.episodeId, careTeamId: ctx.careTeamId, now };
  const impressionUrl = `urn:uuid:${randomUUID()}`;
  const impression = triageImpression(triaged, triage);
  const task = assessmentTask(triaged, impressionUrl, triage);

  const entries = [
    ...written.map((resource, i) => ({ fullUrl: urls[i], resource, request: { method: 'POST', url: resource.resourceType } })),
    { fullUrl: impressionUrl, resource: impression, request: { method: 'POST', url: 'ClinicalImpression' } },
    { fullUrl: `urn:uuid:${randomUUID()}`, resource: task, request: { method: 'POST', url: 'Task' } },
  ];
  // the one route whose measurement writes pass the triage rule (triage-required.ts)
  return transaction(submissionDeps(deps), entries, {
    maxEntries: deps.limits.maxBundleEntries,
    authorize: async (entry) => {
      if (entry.index < items.length) await precheckWrite(deps, 'create', entry.type, entry.resource);
    },
    trusted: (index) => index >= items.length,
  });
}

const SUBMITTABLE = ['Observation', 'QuestionnaireResponse', 'Media'];

/** The Bundle's Observations, QuestionnaireResponses and Media (photos) (any Bundle type; entries need only a resource). */
function submittedItems(body: unknown): Submitted[] {
  const bundle = body as Bundle | undefined;
  if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle') throw badRequest('The body must be a Bundle of Observations, QuestionnaireResponses and Media');
  return (bundle.entry ?? []).map((e, i) => {
    const r = e?.resource;
    if (!SUBMITTABLE.includes(r?.resourceType as string)) {
      throw badRequest(
        `Entry ${i + 1} is ${r?.resourceType ?? 'not a resource'}; only Observation, QuestionnaireResponse and Media can be submitted (a photo's image is uploaded first as a Binary and named by Media.content.url)`,
        [`Bundle.entry[${i}].resource`],
      );
    }
    return r as Submitted;
  });
}
