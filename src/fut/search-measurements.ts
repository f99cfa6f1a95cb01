import type { Bundle, ClinicalImpression, Coding, EpisodeOfCare, Period, Provenance, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import { badRequest, notFound } from '../fhir/outcome';
import type { InteractionDeps, InteractionResult } from '../interactions/types';
import { splitCanonical } from '../store/canonical';
import { readCurrent, serverSearch } from '../telemedicine/server-reads';
import { EPISODE_EXTENSION } from '../telemedicine/triage/triage-result';
import { callerSearch } from './caller-search';
import { WORKFLOW_EPISODE } from './canonical';
import type { DocumentedInput, FutOperationSpec } from './operation-definition';
import { all, one, type InputValue } from './parameters';
import { localId, requireId } from './references';

/**
 * FUT's `$search-measurements` and `$search-measurements-bundle-limit`: measurements
 * (Observations, QuestionnaireResponses, Media) of a patient or episode, grouped as they were
 * submitted — one nested `collection` Bundle per submission with its items, the Provenances
 * targeting them and the Questionnaires the answers follow. A submission is what one
 * `$submit-measurement` stored (its items are the findings of one triage ClinicalImpression); an
 * item stored otherwise is a submission of its own.
 *
 * Everything returned is read through the caller's own searches (scopes and access model in SQL):
 * a patient or episode the caller cannot see answers 404 like a read, and a submission shows only
 * the items the caller may read. Each type is searched for at most SEARCH_LIMIT items.
 */

const SEARCH_LIMIT = 500;
const MAX_BUNDLES = 100;
const TYPES = [
  { type: 'Observation', date: 'date', device: 'device' },
  { type: 'QuestionnaireResponse', date: 'authored', device: undefined },
  { type: 'Media', date: 'created', device: 'device' },
] as const;

const PATIENT: DocumentedInput = { name: 'patient', type: 'Reference', min: 0, max: '1', documentation: 'The Patient whose measurements are searched (patient or episodeOfCare is required).' };
const EPISODE: DocumentedInput = { name: 'episodeOfCare', type: 'Reference', min: 0, max: '1', documentation: 'The EpisodeOfCare the measurements belong to (workflow-episodeOfCare or Kolibri\'s episode extension).' };
const BASED_ON: DocumentedInput = { name: 'based-on', type: 'Reference', min: 0, max: '*', documentation: 'Only measurements based on one of these ServiceRequests.' };
const TAG: DocumentedInput = { name: '_tag', type: 'Coding', min: 0, max: '*', documentation: 'Only measurements with one of these tags in meta.tag (system and code).' };
const OUTPUT = { name: 'return', type: 'Bundle', documentation: 'A searchset Bundle whose entries are collection Bundles, one per submission: its Observations, QuestionnaireResponses, Media, the Provenances targeting them and the Questionnaires answered.' };

export const searchMeasurementsSpec: FutOperationSpec = {
  id: '-s-search-measurements',
  code: 'search-measurements',
  title: 'Search measurements',
  description: `Searches measurements (Observations by effective time, QuestionnaireResponses by authored, Media by created) of a patient or an episode of care within or overlapping a period, and answers them grouped by submission. At most ${SEARCH_LIMIT} items of each type are searched.`,
  level: 'system',
  methods: ['POST'],
  affectsState: false,
  inputs: [PATIENT, EPISODE, { name: 'device', type: 'Reference', min: 0, max: '1', documentation: 'Only measurements naming this Device (Observation.device, Media.device; QuestionnaireResponses have none).' }, { name: 'period', type: 'Period', min: 1, max: '1', documentation: 'The measurement time must be within or overlap this period (start and/or end).' }, BASED_ON, TAG],
  output: OUTPUT,
  run: async ({ deps }, inputs) => {
    const period = inputs.get('period')?.[0] as Period;
    if (!period.start && !period.end) throw badRequest('period needs a start or an end', ['period']);
    const groups = await searchGrouped(deps, inputs, { start: period.start, end: period.end });
    return answer(groups);
  },
};

export const searchMeasurementsBundleLimitSpec: FutOperationSpec = {
  id: '-s-search-measurements-bundle-limit',
  code: 'search-measurements-bundle-limit',
  title: 'Search measurements, a number of submissions',
  description: `Like $search-measurements, answering at most count submissions: with start, those measured at or after start, oldest first; otherwise (end, or neither) those measured at or before end, newest first. count is 1 to ${MAX_BUNDLES}.`,
  level: 'system',
  methods: ['GET', 'POST'],
  affectsState: false,
  inputs: [PATIENT, EPISODE, { name: 'count', type: 'integer', min: 1, max: '1', documentation: `The number of submissions (nested Bundles) to return, 1 to ${MAX_BUNDLES}.` }, { name: 'start', type: 'dateTime', min: 0, max: '1', documentation: 'Measurements at or after this time, the result oldest first.' }, { name: 'end', type: 'dateTime', min: 0, max: '1', documentation: 'Measurements at or before this time, the result newest first (when start is not given).' }, BASED_ON, TAG],
  output: OUTPUT,
  run: async ({ deps }, inputs) => {
    const count = Number(one(inputs, 'count'));
    if (count < 1 || count > MAX_BUNDLES) throw badRequest(`count must be 1 to ${MAX_BUNDLES}, got ${count}`, ['count']);
    const start = one(inputs, 'start');
    const groups = await searchGrouped(deps, inputs, { start, end: one(inputs, 'end') });
    const ordered = start ? groups : [...groups].reverse();
    return answer(ordered.slice(0, count));
  },
};

interface Group {
  at: string;
  items: Resource[];
}

/** The matching items, grouped by submission and ordered by their earliest measurement time. */
async function searchGrouped(deps: InteractionDeps, inputs: Map<string, InputValue[]>, range: { start?: string; end?: string }): Promise<Group[]> {
  const { patientId, episodeId } = await subjectOf(deps, one(inputs, 'patient'), one(inputs, 'episodeOfCare'));
  const basedOn = all(inputs, 'based-on').map((r) => `ServiceRequest/${requireId(deps.baseUrl, r, 'ServiceRequest', 'based-on')}`);
  const device = one(inputs, 'device');
  const deviceRef = device === undefined ? undefined : `Device/${requireId(deps.baseUrl, device, 'Device', 'device')}`;
  const tags = (inputs.get('_tag') ?? []).map((c) => c as Coding).map((c) => (c.system ? `${c.system}|${c.code ?? ''}` : (c.code ?? '')));

  const found: Resource[] = [];
  for (const t of TYPES) {
    if (deviceRef && !t.device) continue;
    const params: Array<[string, string]> = [['subject', `Patient/${patientId}`], ['_count', String(SEARCH_LIMIT)]];
    if (range.start) params.push([t.date, `ge${range.start}`]);
    if (range.end) params.push([t.date, `le${range.end}`]);
    if (basedOn.length) params.push(['based-on', basedOn.join(',')]);
    if (deviceRef && t.device) params.push([t.device, deviceRef]);
    if (tags.length) params.push(['_tag', tags.join(',')]);
    found.push(...(await callerSearch(deps, t.type, params)).filter((r) => !episodeId || episodeOf(r) === episodeId));
  }
  return groupBySubmission(deps, found);
}

/** The patient searched: given, or the episode's; each must be visible to the caller (404 like a read). */
async function subjectOf(deps: InteractionDeps, patient: string | undefined, episode: string | undefined): Promise<{ patientId: string; episodeId?: string }> {
  if (!patient && !episode) throw badRequest('patient or episodeOfCare is required', ['patient']);
  let patientId = patient === undefined ? undefined : requireId(deps.baseUrl, patient, 'Patient', 'patient');
  const episodeId = episode === undefined ? undefined : requireId(deps.baseUrl, episode, 'EpisodeOfCare', 'episodeOfCare');
  if (episodeId) {
    const eoc = await readCurrent<EpisodeOfCare>(deps, 'EpisodeOfCare', episodeId);
    if (!eoc) throw notFound(`EpisodeOfCare/${episodeId} is not known`);
    await deps.access.ensureVisible(eoc, `EpisodeOfCare/${episodeId}`);
    const episodePatient = localId(deps.baseUrl, eoc.patient?.reference, 'Patient');
    if (patientId && episodePatient !== patientId) throw badRequest(`EpisodeOfCare/${episodeId} is not an episode of Patient/${patientId}`, ['episodeOfCare']);
    patientId = episodePatient;
  }
  const p = patientId ? await readCurrent(deps, 'Patient', patientId) : undefined;
  if (!p) throw notFound(`Patient/${patientId} is not known`);
  await deps.access.ensureVisible(p, `Patient/${patientId}`);
  return { patientId: patientId as string, episodeId };
}

function episodeOf(r: Resource): string | undefined {
  const ext = (r as { extension?: Array<{ url: string; valueReference?: { reference?: string } }> }).extension ?? [];
  const ref = ext.find((e) => e.url === EPISODE_EXTENSION)?.valueReference?.reference ?? ext.find((e) => e.url === WORKFLOW_EPISODE)?.valueReference?.reference;
  return ref?.replace(/^.*EpisodeOfCare\//, '').replace(/\/_history\/.*$/, '');
}

function measuredAt(r: Resource): string {
  const x = r as { effectiveDateTime?: string; effectivePeriod?: { start?: string }; authored?: string; createdDateTime?: string; createdPeriod?: { start?: string } };
  return x.effectiveDateTime ?? x.effectivePeriod?.start ?? x.authored ?? x.createdDateTime ?? x.createdPeriod?.start ?? '';
}

/**
 * Items of one triage ClinicalImpression form one submission (the ClinicalImpressions are read on
 * the server's behalf only to group; the items of a group are the caller's own search results,
 * plus the group's other items the caller may read, fetched by the caller's search by id).
 */
async function groupBySubmission(deps: InteractionDeps, found: Resource[]): Promise<Group[]> {
  const key = (r: Resource) => `${r.resourceType}/${r.id}`;
  const byKey = new Map(found.map((r) => [key(r), r]));
  // one search per hundred items: the triage ClinicalImpressions that name any of them
  const submissionOf = new Map<string, string[]>();
  for (let i = 0; i < found.length; i += 100) {
    const ids = found.slice(i, i + 100).map((r) => r.id as string);
    const impressions = await serverSearch<ClinicalImpression>(deps, 'ClinicalImpression', [['finding-ref', ids.join(',')], ['_count', '1000']]);
    for (const c of impressions) {
      const members = (c.finding ?? []).map((f) => f.itemReference?.reference ?? '').filter((ref) => /^(Observation|QuestionnaireResponse|Media)\//.test(ref));
      for (const m of members) if (!submissionOf.has(m)) submissionOf.set(m, members);
    }
  }
  const groups: Array<Set<string>> = [];
  const placed = new Set<string>();
  for (const r of found) {
    if (placed.has(key(r))) continue;
    const group = new Set([key(r), ...(submissionOf.get(key(r)) ?? [])]);
    group.forEach((k) => placed.add(k));
    groups.push(group);
  }
  const missing = [...placed].filter((k) => !byKey.has(k));
  for (const t of TYPES) {
    const ids = missing.filter((k) => k.startsWith(`${t.type}/`)).map((k) => k.slice(t.type.length + 1));
    if (ids.length) for (const r of await callerSearch(deps, t.type, [['_id', ids.join(',')], ['_count', String(SEARCH_LIMIT)]])) byKey.set(key(r), r);
  }
  const result: Group[] = [];
  for (const group of groups) {
    const items = [...group].map((k) => byKey.get(k)).filter((r): r is Resource => !!r);
    const provenances = await callerSearch<Provenance>(deps, 'Provenance', [['target', items.map(key).join(',')], ['_count', '100']]);
    const questionnaires: Resource[] = [];
    for (const canonical of new Set(items.filter((r): r is QuestionnaireResponse => r.resourceType === 'QuestionnaireResponse').map((r) => r.questionnaire ?? '').filter(Boolean))) {
      const { url, version } = splitCanonical(canonical);
      const q = await deps.findCanonical('Questionnaire', url, version);
      if (q) questionnaires.push(q);
    }
    result.push({ at: items.map(measuredAt).sort()[0] ?? '', items: [...items, ...provenances, ...questionnaires] });
  }
  return result.sort((a, b) => a.at.localeCompare(b.at));
}

function answer(groups: readonly Group[]): InteractionResult {
  const body: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: groups.length,
    entry: groups.map((g) => ({ resource: { resourceType: 'Bundle', type: 'collection', entry: g.items.map((resource) => ({ fullUrl: `${resource.resourceType}/${resource.id}`, resource })) } })),
  };
  return { status: 200, body };
}
