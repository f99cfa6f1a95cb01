import type { Bundle, CarePlan, Coding, Condition, EpisodeOfCare, Parameters, ParametersParameter, ServiceRequest } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import type { InteractionDeps, InteractionResult } from '../interactions/types';
import { getPatientProcedures } from '../telemedicine/scheduler/procedures';
import { ZONE } from '../telemedicine/scheduler/slots';
import { readCurrent } from '../telemedicine/server-reads';
import { EPISODE_EXTENSION } from '../telemedicine/triage/triage-result';
import { badRequest } from '../fhir/outcome';
import { callerSearch } from './caller-search';
import type { FutOperationSpec } from './operation-definition';
import { all, one } from './parameters';
import { requireId } from './references';

/**
 * `[base]/$get-patient-procedures` (FUT): a patient's measurement slots in a period, per active
 * ServiceRequest of the active CarePlans of the eligible episodes (active, and among the given
 * episodes, with a diagnosis among the given condition codes and a tag among the given tags).
 * The slots are Kolibri's own (Patient/{id}/$get-patient-procedures, read through the caller's
 * reads and searches); the answer is FUT's shape: a collection Bundle of the CarePlans, the
 * ServiceRequests and a Parameters with one `item_N` per slot.
 */
export const getPatientProceduresSpec: FutOperationSpec = {
  id: '-s-get-patient-procedures',
  code: 'get-patient-procedures',
  title: 'Get patient procedures',
  description: 'The measurement slots of a patient between start and end (whole days in Copenhagen time, at most 92), per active ServiceRequest of the active CarePlans of the patient\'s active episodes of care, optionally only episodes given in episodeOfCare, with a diagnosis among conditionCodings, or with a meta.tag among _tag. extra is accepted; Kolibri has no extra submissions, so it changes nothing.',
  level: 'system',
  methods: ['POST'],
  affectsState: false,
  inputs: [
    { name: 'patient', type: 'Reference', min: 1, max: '1', documentation: 'The Patient.' },
    { name: 'episodeOfCare', type: 'Reference', min: 0, max: '*', documentation: 'Only these episodes of care.' },
    { name: 'conditionCodings', type: 'Coding', min: 0, max: '*', documentation: 'Only episodes with a diagnosis Condition coded with one of these.' },
    { name: 'start', type: 'dateTime', min: 1, max: '1', documentation: 'Start of the period (its day in Copenhagen time).' },
    { name: 'end', type: 'dateTime', min: 1, max: '1', documentation: 'End of the period (its day, inclusive).' },
    { name: '_tag', type: 'Coding', min: 0, max: '*', documentation: 'Only episodes with one of these tags.' },
    { name: 'extra', type: 'boolean', min: 0, max: '1', documentation: 'Accepted for compatibility; no effect.' },
  ],
  output: { name: 'return', type: 'Bundle', documentation: 'A collection Bundle: the CarePlans, the ServiceRequests, and a Parameters with item_1…item_N (CarePlan, ServiceRequest, ServiceRequestVersionId, Activity, ResolvedTimingStart, ResolvedTimingEnd, TimingType, OccurrencesRequested).' },
  run: async ({ deps }, inputs) => {
    const day = (name: string) => DateTime.fromISO(one(inputs, name) as string, { zone: ZONE }).toISODate() as string;
    const codings = (name: string) => (inputs.get(name) ?? []) as Coding[];
    return patientProcedures(deps, requireId(deps.baseUrl, one(inputs, 'patient'), 'Patient', 'patient'), {
      start: day('start'),
      end: day('end'),
      episodes: all(inputs, 'episodeOfCare').map((r) => requireId(deps.baseUrl, r, 'EpisodeOfCare', 'episodeOfCare')),
      conditions: codings('conditionCodings'),
      tags: codings('_tag'),
    });
  },
};

interface Filters {
  start: string;
  end: string;
  episodes: string[];
  conditions: Coding[];
  tags: Coding[];
}

const same = (a: Coding, b: Coding) => a.code === b.code && (!a.system || !b.system || a.system === b.system);
const episodeOf = (r: { extension?: Array<{ url: string; valueReference?: { reference?: string } }> }) => r.extension?.find((e) => e.url === EPISODE_EXTENSION)?.valueReference?.reference;

async function patientProcedures(deps: InteractionDeps, patientId: string, filters: Filters): Promise<InteractionResult> {
  if (filters.end < filters.start) throw badRequest('end is before start', ['end']);
  // Kolibri's slots first: it reads the patient as the caller (404 like a read) and checks the period
  const slots = await getPatientProcedures(deps, 'Patient', patientId, { start: filters.start, end: filters.end });
  const episodes = (await callerSearch<EpisodeOfCare>(deps, 'EpisodeOfCare', [['patient', `Patient/${patientId}`], ['status', 'active'], ['_count', '100']])).filter(
    (e) => (filters.episodes.length === 0 || filters.episodes.includes(e.id as string)) && (filters.tags.length === 0 || (e.meta?.tag ?? []).some((t) => filters.tags.some((f) => same(f, t)))),
  );
  const eligible = new Set<string>();
  for (const e of episodes) {
    if (filters.conditions.length > 0) {
      const codes: Coding[] = [];
      for (const d of e.diagnosis ?? []) {
        const id = d.condition?.reference?.startsWith('Condition/') ? d.condition.reference.slice('Condition/'.length) : undefined;
        codes.push(...((id ? (await readCurrent<Condition>(deps, 'Condition', id))?.code?.coding : undefined) ?? []));
      }
      if (!codes.some((c) => filters.conditions.some((f) => same(f, c)))) continue;
    }
    eligible.add(`EpisodeOfCare/${e.id}`);
  }
  const plans = (await callerSearch<CarePlan>(deps, 'CarePlan', [['subject', `Patient/${patientId}`], ['status', 'active'], ['_count', '200']])).filter((p) => eligible.has(episodeOf(p) ?? ''));
  const planOf = new Map<string, CarePlan>();
  for (const p of plans) for (const a of p.activity ?? []) if (a.reference?.reference?.startsWith('ServiceRequest/')) planOf.set(a.reference.reference, p);
  const requests = (await callerSearch<ServiceRequest>(deps, 'ServiceRequest', [['subject', `Patient/${patientId}`], ['status', 'active'], ['_count', '200']])).filter((sr) => planOf.has(`ServiceRequest/${sr.id}`));
  const byRef = new Map(requests.map((sr) => [`ServiceRequest/${sr.id}`, sr]));

  const procedures = ((slots.body as Parameters).parameter ?? []).filter((p) => p.name === 'procedure');
  const part = (p: ParametersParameter, name: string) => p.part?.find((x) => x.name === name);
  const items: ParametersParameter[] = [];
  for (const p of procedures) {
    const ref = part(p, 'serviceRequest')?.valueReference?.reference ?? '';
    const sr = byRef.get(ref);
    if (!sr) continue;
    items.push({
      name: `item_${items.length + 1}`,
      part: [
        { name: 'CarePlan', valueReference: { reference: `CarePlan/${planOf.get(ref)?.id}` } },
        { name: 'ServiceRequest', valueReference: { reference: ref } },
        { name: 'ServiceRequestVersionId', valueId: sr.meta?.versionId ?? '1' },
        { name: 'Activity', valueString: sr.code?.text ?? sr.code?.coding?.[0]?.display ?? sr.code?.coding?.[0]?.code ?? '' },
        { name: 'ResolvedTimingStart', valueDateTime: part(p, 'start')?.valueDateTime },
        { name: 'ResolvedTimingEnd', valueDateTime: part(p, 'end')?.valueDateTime },
        { name: 'TimingType', valueCodeableConcept: { coding: [{ system: 'http://ehealth.sundhed.dk/cs/resolved-timing-type', code: 'Resolved', display: 'Resolved' }] } },
        { name: 'OccurrencesRequested', valueInteger: part(p, 'expected')?.valueInteger },
      ],
    });
  }
  const body: Bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      ...plans.map((resource) => ({ fullUrl: `CarePlan/${resource.id}`, resource })),
      ...requests.map((resource) => ({ fullUrl: `ServiceRequest/${resource.id}`, resource })),
      { resource: { resourceType: 'Parameters', parameter: items } },
    ],
  };
  return { status: 200, body };
}
