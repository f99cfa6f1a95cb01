import { randomUUID } from 'node:crypto';
import type { Binary, Bundle, Parameters, Resource } from '@medplum/fhirtypes';
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
  return submitItems(deps, patientId, submittedItems(measurementsBundle(body)));
}

/** A submission's own items and what else a caller's API shape adds to its transaction. */
export interface SubmissionExtras {
  /** The items' fullUrls (`urn:uuid:`), so that other entries may reference them; fresh ones when absent. */
  fullUrls?: readonly (string | undefined)[];
  /**
   * Images the submission stores itself (a Media's inline content), by the `urn:uuid:` fullUrl its
   * Media's `content.url` names: written as Binaries of the patient in the same transaction,
   * authorized as creates, the Media's url rewritten to the stored `Binary/{id}`.
   */
  images?: ReadonlyMap<string, Binary>;
  /**
   * More entries of the caller (Provenance of reuse) written in the same transaction, authorized
   * as creates, and entries of the server (a Provenance of the submission) written trusted; each
   * built knowing the items' fullUrls.
   */
  more?: (itemUrls: readonly string[]) => { caller: Resource[]; server: Resource[] };
}

/**
 * The shared path of every measurement submission (Kolibri's Patient-level operation and the
 * national API's system-level one): check, triage and store the items of one patient and episode,
 * with the triage ClinicalImpression and its Task, in one transaction.
 */
export async function submitItems(deps: InteractionDeps, patientId: string, items: Submitted[], extras: SubmissionExtras = {}): Promise<InteractionResult> {
  const images = extras.images ?? new Map<string, Binary>();
  const ctx = await resolveSubmission(deps, patientId, items, images);
  const now = deps.clock.now().toISOString();

  const urls = items.map((_, i) => extras.fullUrls?.[i] ?? `urn:uuid:${randomUUID()}`);
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

  const more = extras.more?.(urls) ?? { caller: [], server: [] };
  const post = (resource: Resource, fullUrl = `urn:uuid:${randomUUID()}`) => ({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });
  const own = items.length + images.size + more.caller.length;
  const entries = [
    ...written.map((resource, i) => post(resource, urls[i])),
    ...[...images].map(([fullUrl, binary]) => post(binary, fullUrl)),
    ...more.caller.map((resource) => post(resource)),
    post(impression, impressionUrl),
    post(task),
    ...more.server.map((resource) => post(resource)),
  ];
  // the one route whose measurement writes pass the triage rule (triage-required.ts)
  return transaction(submissionDeps(deps), entries, {
    maxEntries: deps.limits.maxBundleEntries,
    authorize: async (entry) => {
      if (entry.index < own) await precheckWrite(deps, 'create', entry.type, entry.resource);
    },
    trusted: (index) => index >= own,
  });
}

const SUBMITTABLE = ['Observation', 'QuestionnaireResponse', 'Media'];

/**
 * The Bundle of a Kolibri submission: the body itself, or the `measurements` parameter of a
 * Parameters body (the operation's one input; R4 lets a single resource input be the body).
 */
function measurementsBundle(body: unknown): Bundle {
  const given = body as (Bundle | Parameters) | undefined;
  if (given && typeof given === 'object' && given.resourceType === 'Parameters') {
    const params = given.parameter ?? [];
    const unknown = params.find((p) => p.name !== 'measurements');
    if (unknown) throw badRequest(`Unknown parameter '${unknown.name}': $submit-measurement takes one, measurements (a Bundle)`, ['Parameters.parameter']);
    if (params.length !== 1 || params[0].resource?.resourceType !== 'Bundle') throw badRequest('measurements must be given once, as a Bundle resource', ['Parameters.parameter']);
    return params[0].resource as Bundle;
  }
  if (!given || typeof given !== 'object' || given.resourceType !== 'Bundle') throw badRequest('The body must be a Bundle of Observations, QuestionnaireResponses and Media, or Parameters with it as measurements');
  return given as Bundle;
}

/** The Bundle's Observations, QuestionnaireResponses and Media (photos) (any Bundle type; entries need only a resource). */
function submittedItems(bundle: Bundle): Submitted[] {
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
