import type { Encounter } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { ZONE } from '../scheduler/slots';
import { random } from './geography';
import type { Diagnosis } from './resources';

/**
 * A demo citizen's hospital contacts for $utilisation-report: admissions (class IMP, 2–8 days)
 * and outpatient contacts (AMB, one hour) in the 12 months before enrolment and from enrolment
 * to `until`, drawn month by month at invented rates per citizen-year that fall after
 * enrolment. Own random stream, so the rest of the cohort stays as it was.
 */

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const RATES: Record<Diagnosis, { imp: [number, number]; amb: [number, number] }> = {
  DJ44: { imp: [0.9, 0.6], amb: [4, 3] },
  DI50: { imp: [0.7, 0.5], amb: [5, 4] },
  DE11: { imp: [0.3, 0.2], amb: [4, 3] },
  DO14: { imp: [0.5, 0.3], amb: [8, 6] },
  DK50: { imp: [0.4, 0.3], amb: [6, 5] },
  DK51: { imp: [0.3, 0.2], amb: [6, 5] },
  DL97: { imp: [0.2, 0.1], amb: [10, 6] },
};

export function seedEncounters(key: string, patientId: string, diagnosis: Diagnosis, enrolled: DateTime, until: DateTime): Encounter[] {
  const rand = random(`${key}|encounters`);
  const out: Encounter[] = [];
  const windows = [
    { from: enrolled.minus({ months: 12 }), to: enrolled, w: 0 },
    { from: enrolled, to: until, w: 1 },
  ];
  for (const { from, to, w } of windows) {
    for (let month = from; month < to; month = month.plus({ months: 1 })) {
      const span = Math.min(to.toMillis(), month.plus({ months: 1 }).toMillis()) - month.toMillis();
      for (const cls of ['IMP', 'AMB'] as const) {
        const rate = RATES[diagnosis][cls === 'IMP' ? 'imp' : 'amb'][w];
        if (rand() >= (rate / 12) * (span / (30.44 * 86_400_000))) continue;
        const start = DateTime.fromMillis(month.toMillis() + Math.floor(rand() * span), { zone: ZONE }).set({ hour: 8 + Math.floor(rand() * 8), minute: 0, second: 0, millisecond: 0 });
        if (start >= to) continue;
        const end = cls === 'IMP' ? start.plus({ days: 2 + Math.floor(rand() * 7) }) : start.plus({ hours: 1 });
        out.push({
          resourceType: 'Encounter',
          id: `${patientId}-enc-${cls.toLowerCase()}-${start.toFormat('yyyyLLdd')}`,
          status: 'finished',
          class: { system: ACT_CODE, code: cls, display: cls === 'IMP' ? 'inpatient encounter' : 'ambulatory' },
          subject: { reference: `Patient/${patientId}` },
          period: { start: start.toISO({ suppressMilliseconds: true }) as string, end: end.toISO({ suppressMilliseconds: true }) as string },
        });
      }
    }
  }
  return out;
}
