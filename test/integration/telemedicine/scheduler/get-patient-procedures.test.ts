import { nonCprUuid } from '../../../support/ids';
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { createTestApp, FixedClock, type TestApp } from '../../../support/app';
import { enrolCopd, MON_WED_FRI_0800_4H, putAll, spo2 } from './enrol';

let t: TestApp;
// Wednesday 4 March 2026, 10:00 Copenhagen time
const clock = new FixedClock(new Date('2026-03-04T09:00:00Z'));

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(async () => t?.close());

const part = (p: ParametersParameter, name: string) => p.part?.find((x) => x.name === name);
const top = (body: Parameters, name: string) => body.parameter?.find((x) => x.name === name);

describe('$get-patient-procedures', () => {
  it("gives today's slots with expected and submitted counts, per ServiceRequest and per Patient", async () => {
    const e = await enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H, { ...MON_WED_FRI_0800_4H, timeOfDay: ['18:00:00'], duration: 2 }]);
    await putAll(t.app, [spo2(e, 0, `${e.patientId}-w1`, 95, '2026-03-04T08:30:00+01:00')]);

    const bySr = await t.app.inject({ url: `/fhir/ServiceRequest/${e.serviceRequestIds[0]}/$get-patient-procedures` });
    expect(bySr.statusCode).toBe(200);
    const one = bySr.json() as Parameters;
    expect(top(one, 'start')?.valueDate).toBe('2026-03-04');
    const [proc] = one.parameter!.filter((p) => p.name === 'procedure');
    expect(part(proc, 'start')?.valueDateTime).toBe('2026-03-04T08:00:00+01:00');
    expect(part(proc, 'end')?.valueDateTime).toBe('2026-03-04T12:00:00+01:00');
    expect(part(proc, 'submitted')?.valueInteger).toBe(1);
    expect(part(proc, 'status')?.valueCode).toBe('completed');
    expect(part(proc, 'submission')?.valueReference?.reference).toBe(`Observation/${e.patientId}-w1`);

    const byPatient = (await t.app.inject({ url: `/fhir/Patient/${e.patientId}/$get-patient-procedures?date=2026-03-04` })).json() as Parameters;
    expect(top(byPatient, 'expected')?.valueInteger).toBe(2);
    expect(top(byPatient, 'submitted')?.valueInteger).toBe(1);
    const statuses = byPatient.parameter!.filter((p) => p.name === 'procedure').map((p) => part(p, 'status')?.valueCode);
    expect(statuses).toEqual(['completed', 'upcoming']);

    // Monday to Friday: three days, two regimes; Monday's slots are missed, Tuesday has none
    const week = (await t.app.inject({ url: `/fhir/Patient/${e.patientId}/$get-patient-procedures?start=2026-03-02&end=2026-03-06` })).json() as Parameters;
    expect(top(week, 'expected')?.valueInteger).toBe(6);
    expect(week.parameter!.filter((p) => p.name === 'procedure').map((p) => part(p, 'status')?.valueCode)).toEqual(['missed', 'missed', 'completed', 'upcoming', 'upcoming', 'upcoming']);
  });

  it('answers 404 for an unknown ServiceRequest, 400 for a bad date, 404 on other types', async () => {
    expect((await t.app.inject({ url: '/fhir/ServiceRequest/does-not-exist/$get-patient-procedures' })).statusCode).toBe(404);
    const e = await enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H]);
    expect((await t.app.inject({ url: `/fhir/Patient/${e.patientId}/$get-patient-procedures?date=2026-02-30` })).statusCode).toBe(400);
    expect((await t.app.inject({ url: `/fhir/Observation/x/$get-patient-procedures` })).statusCode).toBe(404);
  });
});
