import type { Resource } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { missingMeasurementTask, missingTaskId } from '../scheduler/missing-task';
import { slotsOverlapping, ZONE, type TimingRepeat } from '../scheduler/slots';
import { cprNumber, FAMILY_NAMES, GIVEN_NAMES, random, REGIONS } from './geography';
import { seedEncounters } from './encounters';
import { seedSelfManagement } from './self-management';
import * as fhir from './resources';

/**
 * The demo cohort, generated deterministically from (prefix, options): the same input gives the
 * same ids and the same content, so seeding twice writes nothing new. Pure: no IO.
 */

export interface CohortOptions {
  patients: number;
  months: number;
  /** Last day of the cohort (YYYY-MM-DD, local); measurements stop at `now` or the end of that day. */
  end: string;
  now: Date;
  /** Id prefix (tests use their own). */
  prefix: string;
}

/** A slot decided as missing: the scheduler's claim row, so it will not make the Task again. */
export interface SeedClaim {
  serviceRequestId: string;
  start: Date;
  end: Date;
  taskId: string;
}

export interface PatientUnit {
  index: number;
  region: string;
  municipality: string;
  diagnosis: fhir.Diagnosis;
  enrolled: string;
  resources: Resource[];
  claims: SeedClaim[];
}

const DAILY_0700: TimingRepeat = { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: ['07:00:00'], duration: 4, durationUnit: 'h' };
const MONDAY_0800_4H: TimingRepeat = { frequency: 1, period: 1, periodUnit: 'wk', dayOfWeek: ['mon'], timeOfDay: ['08:00:00'], duration: 4, durationUnit: 'h' };

/**
 * The measurement regimes seeded per diagnosis: COPD and heart failure as before; the newer groups
 * a subset of their plan's (diabetes: glucose 08:00 and 20:00 and weekly weight; pregnancy: urine
 * protein Mon/Thu; IBD: weekly weight; wound care: photos and questionnaires are not seeded).
 */
const REGIMES: Record<fhir.Diagnosis, Array<{ m: fhir.Measurement; repeat: TimingRepeat }>> = {
  DJ44: [{ m: fhir.MEASUREMENTS.spo2, repeat: fhir.MON_WED_FRI_0800_4H }, { m: fhir.MEASUREMENTS.pulse, repeat: fhir.MON_WED_FRI_0800_4H }],
  DI50: [{ m: fhir.MEASUREMENTS.weight, repeat: DAILY_0700 }, { m: fhir.MEASUREMENTS.pulse, repeat: fhir.MON_WED_FRI_0800_4H }],
  DE11: [
    { m: fhir.MEASUREMENTS.glucose, repeat: { frequency: 2, period: 1, periodUnit: 'd', timeOfDay: ['08:00:00', '20:00:00'], duration: 2, durationUnit: 'h' } },
    { m: fhir.MEASUREMENTS.weight, repeat: MONDAY_0800_4H },
  ],
  DO14: [{ m: fhir.MEASUREMENTS.urineProtein, repeat: { ...MONDAY_0800_4H, dayOfWeek: ['mon', 'thu'] } }],
  DK50: [{ m: fhir.MEASUREMENTS.weight, repeat: MONDAY_0800_4H }],
  DK51: [{ m: fhir.MEASUREMENTS.weight, repeat: MONDAY_0800_4H }],
  DL97: [],
};

/**
 * About a quarter of the citizens belong to one of the newer groups, drawn from a stream of their
 * own so the draws of everyone else stay as they were; pregnant citizens are women of 20–40.
 */
function newGroup(key: string, original: fhir.Diagnosis, gender: 'female' | 'male', birth: string): { diagnosis: fhir.Diagnosis; gender: 'female' | 'male'; birth: string } {
  const rand = random(`${key}|group`);
  if (rand() >= 0.25) return { diagnosis: original, gender, birth };
  const diagnosis = (['DE11', 'DE11', 'DO14', 'DK50', 'DK51', 'DL97'] as const)[Math.floor(rand() * 6)];
  if (diagnosis !== 'DO14') return { diagnosis, gender, birth };
  const young = DateTime.fromObject({ year: 1980 + Math.floor(rand() * 19), month: 1, day: 1 }).plus({ days: Math.floor(rand() * 365) }).toISODate() as string;
  return { diagnosis, gender: 'female', birth: young };
}

const orgId = (p: string, code: string) => `${p}-org-${code.toLowerCase()}`;
const teamId = (p: string, code: string) => `${p}-team-${code}`;

/** Regions, municipalities (partOf their region) and one care team per municipality. */
export function organizations(prefix: string): Resource[] {
  return REGIONS.flatMap((r) => [
    fhir.regionOrganization(orgId(prefix, r.code), r.code, r.name),
    ...r.municipalities.flatMap((m) => [
      fhir.municipalityOrganization(orgId(prefix, m.code), m.code, `${m.name} Kommune`, orgId(prefix, r.code)),
      fhir.careTeam(teamId(prefix, m.code), `Telemedicinsk team, ${m.name} Kommune`, orgId(prefix, m.code)),
    ]),
  ]);
}

/** Everything about one citizen: enrolment, plan and months of measurements. */
export function patientUnit(options: CohortOptions, index: number): PatientUnit {
  const p = options.prefix;
  const rand = random(`${p}|${index}`);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  let w = rand();
  const region = REGIONS.find((r) => (w -= r.weight) < 0) ?? REGIONS[REGIONS.length - 1];
  const municipality = pick(region.municipalities);
  const original: fhir.Diagnosis = rand() < 0.6 ? 'DJ44' : 'DI50';
  const drawnGender = rand() < 0.5 ? 'female' : 'male';
  const drawnBirth = DateTime.fromObject({ year: 1935 + Math.floor(rand() * 30), month: 1, day: 1 }).plus({ days: Math.floor(rand() * 365) }).toISODate() as string;
  const { diagnosis, gender, birth } = newGroup(`${p}|${index}`, original, drawnGender, drawnBirth);
  const end = DateTime.fromISO(options.end, { zone: ZONE }).plus({ days: 1 });
  const first = end.minus({ months: options.months });
  // enrolment ramps up: more citizens start later in the period (density grows linearly)
  const enrolled = first.plus({ days: Math.floor(Math.sqrt(rand()) * end.diff(first, 'days').days * 0.97) });
  const id = (kind: string) => `${p}-${kind}-${String(index).padStart(5, '0')}`;
  const [pat, cond, eoc, cp] = [id('p'), id('c'), id('e'), id('cp')];
  const start = enrolled.toISODate() as string;
  const regimes = REGIMES[diagnosis];
  const srs = regimes.map((r, i) => fhir.serviceRequest(`${id('sr')}-${i}`, pat, eoc, r.m, { ...r.repeat, boundsPeriod: { start } }));
  const selfManagementId = `${id('sr')}-sm`;
  const selfManagement = seedSelfManagement(`${p}|${index}`, { patient: pat, episode: eoc, team: teamId(p, municipality.code), serviceRequest: selfManagementId }, enrolled, new Date(Math.min(options.now.getTime(), end.toMillis())));
  const resources: Resource[] = [
    fhir.patient(pat, cprNumber(birth, gender, rand), pick(FAMILY_NAMES), pick(GIVEN_NAMES[gender]), gender, birth),
    fhir.condition(cond, pat, diagnosis),
    fhir.episodeOfCare({ id: eoc, patientId: pat, conditionId: cond, organizationId: orgId(p, municipality.code), careTeamId: teamId(p, municipality.code), start }),
    ...srs,
    fhir.carePlan(cp, pat, eoc, diagnosis, start, [...srs.map((s) => s.id as string), selfManagementId]),
  ];
  const claims: SeedClaim[] = [];
  const until = new Date(Math.min(options.now.getTime(), end.toMillis()));
  resources.push(...seedEncounters(`${p}|${index}`, pat, diagnosis, enrolled, DateTime.fromJSDate(until, { zone: ZONE })));
  resources.push(...selfManagement.resources);
  claims.push(...selfManagement.claims);
  const adherence = 0.55 + 0.43 * rand();
  const ctx = { pat, eoc, team: teamId(p, municipality.code) };
  regimes.forEach((r, i) => {
    const sr = srs[i];
    let level = baseline(r.m.code, rand);
    for (const slot of slotsOverlapping({ ...r.repeat, boundsPeriod: { start } }, enrolled.toJSDate(), until)) {
      if (slot.end > until) break;
      // a day's slot names its resources; the hour too where a regime has several times a day (diabetes' glucose)
      const day = DateTime.fromJSDate(slot.start, { zone: ZONE }).toFormat((r.repeat.timeOfDay?.length ?? 0) > 1 ? 'yyyyLLddHH' : 'yyyyLLdd');
      if (rand() > adherence) {
        const taskId = missingTaskId(sr.id as string, slot.start);
        claims.push({ serviceRequestId: sr.id as string, start: slot.start, end: slot.end, taskId });
        const task = missingMeasurementTask({ serviceRequestId: sr.id as string, patientId: pat, episodeId: eoc, careTeamId: ctx.team, code: sr.code?.coding?.[0], slot, submitted: 0 }, slot.end);
        resources.push({ ...task, id: taskId, status: until.getTime() - slot.end.getTime() > 3 * 86_400_000 ? 'completed' : 'requested' } as Resource);
        continue;
      }
      level = drift(r.m.code, level, rand);
      const value = measured(r.m.code, level, rand);
      const at = new Date(slot.start.getTime() + Math.floor(rand() * (slot.end.getTime() - slot.start.getTime() - 60_000)));
      const obsId = `${id('o')}-${i}-${day}`;
      const effective = DateTime.fromJSDate(at, { zone: ZONE }).toISO({ suppressMilliseconds: true }) as string;
      resources.push(fhir.observation(obsId, pat, eoc, sr.id as string, r.m, value, effective));
      const colour = triage(r.m, value);
      if (colour !== 'green') {
        const done = until.getTime() - at.getTime() > 2 * 86_400_000;
        resources.push(fhir.assessmentTask(`${id('t')}-${i}-${day}`, { patientId: pat, episodeId: eoc, careTeamId: ctx.team, observationId: obsId, priority: colour === 'red' ? 'asap' : 'urgent', authoredOn: new Date(at.getTime() + 60_000).toISOString(), done }));
      }
    }
  });
  return { index, region: region.code, municipality: municipality.code, diagnosis, enrolled: start, resources, claims };
}

function baseline(code: string, rand: () => number): number {
  if (code === 'NPU03011') return 92 + rand() * 4.5;
  if (code === 'NPU22089') return 6 + rand() * 3;
  if (code === 'NPU04206') return 0;
  if (code === 'NPU21692') return 64 + rand() * 20;
  return 62 + rand() * 50;
}

function drift(code: string, level: number, rand: () => number): number {
  if (code === 'NPU03804') return level + (rand() - 0.5) * 0.4 + (rand() < 0.02 ? 1.5 : 0);
  return level;
}

/** A day's value around the citizen's level, with occasional exacerbations (alarms). */
function measured(code: string, level: number, rand: () => number): number {
  const spike = rand() < 0.04;
  if (code === 'NPU03011') return Math.min(100, Math.round(spike ? level - 6 - rand() * 6 : level + (rand() - 0.5) * 3));
  if (code === 'NPU21692') return Math.round(spike ? (rand() < 0.8 ? 112 + rand() * 25 : 45 + rand() * 12) : level + (rand() - 0.5) * 14);
  if (code === 'NPU22089') return Math.round((spike ? (rand() < 0.5 ? 2.4 + rand() * 1.4 : 15 + rand() * 6) : level + (rand() - 0.5) * 3) * 10) / 10;
  if (code === 'NPU04206') return spike ? 1 + Math.floor(rand() * 2) : 0;
  return Math.round((level + (rand() - 0.5) * 0.6) * 10) / 10;
}

/** Colour by the ServiceRequest's thresholds (red outside RAL, yellow outside GAL; bounds inclusive as alarms). */
export function triage(m: fhir.Measurement, value: number): 'red' | 'yellow' | 'green' {
  const outside = (t: { low?: number; high?: number }) => (t.low !== undefined && value <= t.low) || (t.high !== undefined && value >= t.high);
  if (m.thresholds.some((t) => t.type === 'RAL' && outside(t))) return 'red';
  if (m.thresholds.some((t) => t.type === 'GAL' && outside(t))) return 'yellow';
  return 'green';
}
