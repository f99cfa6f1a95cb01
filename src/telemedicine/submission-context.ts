import type { Binary, Coding, EpisodeOfCare, Goal, Media, Observation, Questionnaire, QuestionnaireResponse, ServiceRequest } from '@medplum/fhirtypes';
import { badRequest, notFound, unprocessable } from '../fhir/outcome';
import type { InteractionDeps } from '../interactions/types';
import { splitCanonical } from '../store/canonical';
import type { BaselineLookup } from './triage/observation-triage';
import { EPISODE_EXTENSION } from './triage/triage-result';
import { readThresholds, type Threshold } from './triage/thresholds';
import { idOf, readCurrent, serverSearch } from './server-reads';

export type Submitted = Observation | QuestionnaireResponse | Media;

/** Everything the clinical rules need about a submission, resolved and checked. */
export interface SubmissionContext {
  patientId: string;
  episodeId: string;
  careTeamId: string;
  /** Thresholds of each ServiceRequest the items are basedOn, by id. */
  thresholds: Map<string, Threshold[]>;
  questionnaires: Map<string, Questionnaire | undefined>;
  baselineOf: BaselineLookup;
}

const invalid = (diagnostics: string, expression: string) => unprocessable([{ severity: 'error', code: 'business-rule', diagnostics, expression: [expression] }]);

/**
 * Check that every item is for the patient in the URL and one episode of care, which belongs to
 * that patient, is active and has a care team; that each item is basedOn a ServiceRequest of
 * that patient and episode. The caller must see the patient (404 otherwise, as a read).
 */
export async function resolveSubmission(deps: InteractionDeps, patientId: string, items: readonly Submitted[], images: ReadonlyMap<string, Binary> = new Map()): Promise<SubmissionContext> {
  const patient = await readCurrent(deps, 'Patient', patientId);
  if (!patient) throw notFound(`Patient/${patientId} is not known`);
  await deps.access.ensureVisible(patient, `Patient/${patientId}`);
  if (items.length === 0) throw badRequest('The Bundle has no Observation or QuestionnaireResponse');

  const episodes = new Set(items.map((r, i) => idOf(r.extension?.find((e) => e.url === EPISODE_EXTENSION)?.valueReference?.reference, 'EpisodeOfCare') ?? `#${i}`));
  if (episodes.size !== 1) throw invalid('All items of a submission must belong to one episode of care (ext-episode-of-care)', 'Bundle.entry.resource.extension');
  const episodeId = [...episodes][0];
  items.forEach((r, i) => {
    if (r.subject?.reference !== `Patient/${patientId}`) throw invalid(`Item ${i + 1} is not for Patient/${patientId}`, `Bundle.entry[${i}].resource.subject`);
  });
  const episode = episodeId.startsWith('#') ? undefined : await readCurrent<EpisodeOfCare>(deps, 'EpisodeOfCare', episodeId);
  if (!episode || episode.patient?.reference !== `Patient/${patientId}`) throw invalid(`EpisodeOfCare/${episodeId} is not an episode of Patient/${patientId}`, 'Bundle.entry.resource.extension');
  if (episode.status !== 'active') throw invalid(`EpisodeOfCare/${episodeId} is ${episode.status}, not active`, 'Bundle.entry.resource.extension');
  const careTeamId = episode.team?.map((t) => idOf(t.reference, 'CareTeam')).find(Boolean);
  if (!careTeamId) throw invalid(`EpisodeOfCare/${episodeId} has no care team to assess the measurements`, 'EpisodeOfCare.team');

  const thresholds = new Map<string, Threshold[]>();
  for (const [i, item] of items.entries()) {
    const srId = idOf(item.basedOn?.[0]?.reference, 'ServiceRequest');
    if (!srId) continue; // the profile requires basedOn; validation reports it
    if (thresholds.has(srId)) continue;
    const sr = await readCurrent<ServiceRequest>(deps, 'ServiceRequest', srId);
    const srEpisode = idOf(sr?.extension?.find((e) => e.url === EPISODE_EXTENSION)?.valueReference?.reference, 'EpisodeOfCare');
    if (!sr || sr.subject?.reference !== `Patient/${patientId}` || srEpisode !== episodeId) {
      throw invalid(`ServiceRequest/${srId} is not a measurement regime of Patient/${patientId} in EpisodeOfCare/${episodeId}`, `Bundle.entry[${i}].resource.basedOn`);
    }
    thresholds.set(srId, readThresholds(sr.extension));
  }

  for (const [i, item] of items.entries()) if (item.resourceType === 'Media') await checkPhoto(deps, patientId, item, i, images);

  const questionnaires = new Map<string, Questionnaire | undefined>();
  for (const item of items) {
    if (item.resourceType !== 'QuestionnaireResponse' || !item.questionnaire || questionnaires.has(item.questionnaire)) continue;
    const { url, version } = splitCanonical(item.questionnaire);
    questionnaires.set(item.questionnaire, (await deps.findCanonical('Questionnaire', url, version)) as Questionnaire | undefined);
  }

  const needsBaseline = [...thresholds.values()].flat().filter((t) => t.baseline);
  const goals = needsBaseline.length ? await baselineGoals(deps, patientId, needsBaseline) : [];
  return { patientId, episodeId, careTeamId, thresholds, questionnaires, baselineOf: (codes) => baselineFrom(goals, codes) };
}

/**
 * A photo's image is a Binary uploaded before the submission (POST /fhir/Binary with the image's
 * bytes and X-Security-Context: Patient/{id}), named by `Media.content.url` as `Binary/{id}`: it
 * must exist, be visible to the caller and belong to the patient (securityContext the Patient),
 * so a submission never attaches another citizen's image. One missing and one hidden answer alike.
 * Or it is an image the submission stores itself (`images`, by fullUrl), which must be the patient's too.
 */
async function checkPhoto(deps: InteractionDeps, patientId: string, media: Media, i: number, images: ReadonlyMap<string, Binary>): Promise<void> {
  const url = media.content?.url ?? '';
  const own = images.get(url);
  if (own?.securityContext?.reference === `Patient/${patientId}`) return;
  const binaryId = idOf(url.startsWith(`${deps.baseUrl}/`) ? url.slice(deps.baseUrl.length + 1) : url, 'Binary');
  const refuse = () => invalid(`Media.content.url '${url}' does not name a Binary of Patient/${patientId} (upload the image first: POST /fhir/Binary with X-Security-Context: Patient/${patientId})`, `Bundle.entry[${i}].resource.content.url`);
  if (!binaryId) throw refuse();
  const binary = await readCurrent<Binary>(deps, 'Binary', binaryId);
  if (!binary || !(await deps.access.canSee(binary)) || binary.securityContext?.reference !== `Patient/${patientId}`) throw refuse();
}

/**
 * The baseline Goals: those a relative threshold names, else the patient's active Goals, newest
 * first (Goal.startDate, then last update) — "the latest baseline Goal".
 */
async function baselineGoals(deps: InteractionDeps, patientId: string, relative: readonly Threshold[]): Promise<Goal[]> {
  const named: Goal[] = [];
  for (const t of relative) {
    const id = idOf(t.baseline?.reference, 'Goal');
    const goal = id ? await readCurrent<Goal>(deps, 'Goal', id) : undefined;
    if (goal && goal.subject?.reference === `Patient/${patientId}`) named.push(goal);
  }
  const latest = await serverSearch<Goal>(deps, 'Goal', [['subject', `Patient/${patientId}`], ['lifecycle-status', 'active,accepted'], ['_count', '100']]);
  latest.sort((a, b) => (b.startDate ?? '').localeCompare(a.startDate ?? '') || (b.meta?.lastUpdated ?? '').localeCompare(a.meta?.lastUpdated ?? ''));
  return [...named, ...latest];
}

function baselineFrom(goals: readonly Goal[], codes: readonly Coding[]) {
  for (const goal of goals) {
    for (const target of goal.target ?? []) {
      const measures = target.measure?.coding ?? [];
      const q = target.detailQuantity;
      if (q?.value !== undefined && measures.some((m) => codes.some((c) => c.code === m.code && c.system === m.system))) {
        return { value: q.value, unit: q.code ?? q.unit ?? '', reference: `Goal/${goal.id}` };
      }
    }
  }
  return undefined;
}
