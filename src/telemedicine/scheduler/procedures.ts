import type { Bundle, Parameters, ParametersParameter, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { badRequest } from '../../fhir/outcome';
import { read } from '../../interactions/read';
import { search } from '../../interactions/search';
import type { InteractionDeps, InteractionResult } from '../../interactions/types';
import { slotsOverlapping, ZONE, type Slot, type TimingRepeat } from './slots';

/**
 * `ServiceRequest/{id}/$get-patient-procedures` and `Patient/{id}/$get-patient-procedures`:
 * the measurement slots of a day (or a period) with expected and submitted counts — the citizen
 * app's "today's measurements". Everything is read through the ordinary read and search
 * interactions, so the caller's scopes and access apply (404 for an invisible resource).
 *
 * Parameters: `date` (YYYY-MM-DD, a local Copenhagen day; default today) or `start` and `end`
 * (dates, `end` inclusive). Result: a Parameters with one `procedure` per slot (serviceRequest,
 * code, start, end, expected, submitted, status, submission*) and the day's `expected` and
 * `submitted` totals. Status: upcoming | open | completed | missed.
 */

const MAX_DAYS = 92;

export async function getPatientProcedures(deps: InteractionDeps, type: string, id: string, query: Record<string, string | string[] | undefined>): Promise<InteractionResult> {
  const { from, to } = rangeOf(query, deps.clock.now());
  const requests = type === 'ServiceRequest' ? [parse<ServiceRequest>((await read(deps, 'ServiceRequest', id)).body)] : await activeRequestsOf(deps, id);
  const slots = requests.flatMap((sr) =>
    sr.status === 'active' || type === 'ServiceRequest'
      ? slotsOverlapping((sr.occurrenceTiming?.repeat ?? {}) as TimingRepeat, from.toJSDate(), to.toJSDate()).map((slot) => ({ sr, slot }))
      : [],
  );
  slots.sort((a, b) => a.slot.start.getTime() - b.slot.start.getTime() || String(a.sr.id).localeCompare(String(b.sr.id)));
  const submissions = slots.length ? await submissionsOf(deps, requests.map((r) => r.id as string), slots) : [];
  const now = deps.clock.now();
  let expected = 0;
  let submitted = 0;
  const procedures: ParametersParameter[] = slots.map(({ sr, slot }) => {
    const inSlot = submissions.filter((s) => s.serviceRequestId === sr.id && s.at >= slot.start && s.at < slot.end);
    expected += slot.expected;
    submitted += Math.min(inSlot.length, slot.expected);
    return { name: 'procedure', part: procedureParts(sr, slot, inSlot, now) };
  });
  const body: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'start', valueDate: from.toISODate() as string },
      { name: 'end', valueDate: to.minus({ days: 1 }).toISODate() as string },
      { name: 'expected', valueInteger: expected },
      { name: 'submitted', valueInteger: submitted },
      ...procedures,
    ],
  };
  return { status: 200, body };
}

function procedureParts(sr: ServiceRequest, slot: Slot, inSlot: Submission[], now: Date): ParametersParameter[] {
  const local = (d: Date) => DateTime.fromJSDate(d, { zone: ZONE }).toISO({ suppressMilliseconds: true }) as string;
  const status = inSlot.length >= slot.expected ? 'completed' : now < slot.start ? 'upcoming' : now < slot.end ? 'open' : 'missed';
  return [
    { name: 'serviceRequest', valueReference: { reference: `ServiceRequest/${sr.id}` } },
    ...(sr.code ? [{ name: 'code', valueCodeableConcept: sr.code }] : []),
    { name: 'start', valueDateTime: local(slot.start) },
    { name: 'end', valueDateTime: local(slot.end) },
    { name: 'expected', valueInteger: slot.expected },
    { name: 'submitted', valueInteger: inSlot.length },
    { name: 'status', valueCode: status },
    ...inSlot.map((s) => ({ name: 'submission', valueReference: { reference: s.reference } })),
  ];
}

function rangeOf(query: Record<string, string | string[] | undefined>, now: Date): { from: DateTime; to: DateTime } {
  const one = (name: string) => {
    const v = query[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const day = (name: string, text: string) => {
    const d = DateTime.fromISO(text, { zone: ZONE });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !d.isValid) throw badRequest(`${name} must be a date (YYYY-MM-DD), got '${text}'`, [name]);
    return d.startOf('day');
  };
  const date = one('date');
  const start = one('start');
  const end = one('end');
  if (date && (start || end)) throw badRequest('Give either date or start/end, not both', ['date']);
  const from = date ? day('date', date) : start ? day('start', start) : DateTime.fromJSDate(now, { zone: ZONE }).startOf('day');
  const to = end ? day('end', end).plus({ days: 1 }) : from.plus({ days: 1 });
  if (to <= from) throw badRequest('end is before start', ['end']);
  if (to.diff(from, 'days').days > MAX_DAYS) throw badRequest(`At most ${MAX_DAYS} days at a time`, ['end']);
  return { from, to };
}

async function activeRequestsOf(deps: InteractionDeps, patientId: string): Promise<ServiceRequest[]> {
  await read(deps, 'Patient', patientId);
  const result = await search(deps, { type: 'ServiceRequest' }, { params: [['subject', `Patient/${patientId}`], ['status', 'active'], ['_count', '100']], strict: true });
  return entries<ServiceRequest>(result.body);
}

interface Submission {
  serviceRequestId: string;
  reference: string;
  at: Date;
}

/** Observations and QuestionnaireResponses basedOn the requests, measured within the slots' span. */
async function submissionsOf(deps: InteractionDeps, requestIds: string[], slots: Array<{ slot: Slot }>): Promise<Submission[]> {
  const lo = new Date(Math.min(...slots.map((s) => s.slot.start.getTime()))).toISOString();
  const hi = new Date(Math.max(...slots.map((s) => s.slot.end.getTime()))).toISOString();
  const basedOn = requestIds.map((r) => `ServiceRequest/${r}`).join(',');
  const out: Submission[] = [];
  for (const [type, dateParam] of [['Observation', 'date'], ['QuestionnaireResponse', 'authored']] as const) {
    if (!deps.access.mayUse('search', type)) continue;
    const result = await search(deps, { type }, { params: [['based-on', basedOn], [dateParam, `ge${lo}`], [dateParam, `lt${hi}`], ['_count', '1000']], strict: true });
    for (const r of entries<Resource & Record<string, unknown>>(result.body)) {
      if (r.status === 'entered-in-error') continue;
      const when = (r.effectiveDateTime ?? (r.effectivePeriod as { start?: string } | undefined)?.start ?? r.authored) as string | undefined;
      const sr = (r.basedOn as Array<{ reference?: string }> | undefined)?.map((b) => b.reference).find((ref) => ref && requestIds.includes(ref.slice('ServiceRequest/'.length)));
      if (when && sr) out.push({ serviceRequestId: sr.slice('ServiceRequest/'.length), reference: `${r.resourceType}/${r.id}`, at: new Date(when) });
    }
  }
  return out;
}

function parse<T>(body: InteractionResult['body']): T {
  return (typeof body === 'string' ? JSON.parse(body) : body) as T;
}

function entries<T>(body: InteractionResult['body']): T[] {
  return (parse<Bundle>(body).entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.resource as T).filter((r) => (r as Resource).resourceType !== 'OperationOutcome');
}

/** The operation entry the telemedicine module contributes (module.ts). */
export const getPatientProceduresOperation = {
  name: 'get-patient-procedures',
  levels: ['instance'],
  methods: ['GET'],
  types: ['Patient', 'ServiceRequest'],
  definition: 'https://kolibri.dk/fhir/OperationDefinition/get-patient-procedures',
  handler: ({ deps, type, id, query }: { deps: InteractionDeps; type?: string; id?: string; query: Record<string, string | string[] | undefined> }) =>
    getPatientProcedures(deps, type as string, id as string, query),
} as const;
