import type { Appointment } from '@medplum/fhirtypes';
import { alike, KOLIBRI, woundCare, type Side, type WoundCare } from './wound-care';

/**
 * Video consultations: the care team proposes an Appointment with a video link; the citizen sees
 * only its own and answers (participant status); the status workflow refuses illegal moves.
 */
describe('video consultations', () => {
  let w: WoundCare;
  beforeAll(async () => {
    w = await woundCare();
  }, 120_000);
  afterAll(async () => w.t.close());

  const appointment = (side: Side, status: Appointment['status'] = 'proposed'): Appointment => ({
    resourceType: 'Appointment',
    meta: { profile: [`${KOLIBRI}kolibri-appointment`] },
    extension: [{ url: `${KOLIBRI}ext-video-link`, valueUrl: 'https://video.example.dk/room/abc123' }],
    status,
    description: 'Video follow-up on the wound',
    start: '2026-03-10T10:00:00+01:00',
    end: '2026-03-10T10:20:00+01:00',
    participant: [
      { actor: { reference: `Patient/${side.patient}` }, required: 'required', status: 'needs-action' },
      { actor: { reference: `Practitioner/${side.nurse}` }, required: 'required', status: 'accepted' },
    ],
  });
  const put = (token: string, a: Appointment) => w.inject(token, 'PUT', `/fhir/Appointment/${a.id}`, a);

  let booked: Appointment;
  it('the clinician proposes; the citizen sees it and accepts; the care team books, the citizen arrives, it is fulfilled', async () => {
    const made = await w.inject(w.a.tokens.clinician, 'POST', '/fhir/Appointment', appointment(w.a));
    expect(made.statusCode).toBe(201);
    const proposed = made.json() as Appointment;

    const mine = await w.inject(w.a.tokens.citizen, 'GET', `/fhir/Appointment?patient=Patient/${w.a.patient}&status=proposed`);
    expect(mine.json().entry.map((e: { resource: Appointment }) => e.resource.id)).toEqual([proposed.id]);
    const theirs = await w.inject(w.a.tokens.clinician, 'GET', `/fhir/Appointment?practitioner=Practitioner/${w.a.nurse}`);
    expect(theirs.json().entry.map((e: { resource: Appointment }) => e.resource.id)).toEqual([proposed.id]);

    const answer = { ...proposed, participant: proposed.participant.map((p) => (p.actor?.reference?.startsWith('Patient/') ? { ...p, status: 'accepted' as const } : p)) };
    const accepted = await put(w.a.tokens.citizen, answer);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().participant[0].status).toBe('accepted');

    let current = accepted.json() as Appointment;
    for (const status of ['booked', 'arrived', 'fulfilled'] as const) {
      const res = await put(w.a.tokens.clinician, { ...current, status });
      expect(res.statusCode).toBe(200);
      current = res.json();
      if (status === 'booked') booked = current;
    }
    const back = await put(w.a.tokens.clinician, { ...current, status: 'booked' });
    expect(back.statusCode).toBe(422);
    expect(back.json().issue[0]).toMatchObject({ code: 'business-rule', expression: ['Appointment.status'] });
    expect(back.json().issue[0].diagnostics).toContain('cannot go from fulfilled to booked');
  });

  it('refuses illegal transitions and starts (422) and leaves the appointment as it was', async () => {
    const created = (await w.inject(w.a.tokens.system, 'POST', '/fhir/Appointment', appointment(w.a, 'booked'))).json() as Appointment;
    const cancelled = await put(w.a.tokens.system, { ...created, status: 'cancelled' });
    expect(cancelled.statusCode).toBe(200);
    const revived = await put(w.a.tokens.system, { ...(cancelled.json() as Appointment), status: 'arrived' });
    expect(revived.statusCode).toBe(422);
    const proposed = (await w.inject(w.a.tokens.system, 'POST', '/fhir/Appointment', appointment(w.a))).json() as Appointment;
    const skipped = await w.inject(w.a.tokens.system, 'PATCH', `/fhir/Appointment/${proposed.id}`, [{ op: 'replace', path: '/status', value: 'fulfilled' }], { 'content-type': 'application/json-patch+json' });
    expect(skipped.statusCode).toBe(422);
    expect((await w.inject(w.a.tokens.system, 'GET', `/fhir/Appointment/${proposed.id}`)).json().status).toBe('proposed');
    const startsFulfilled = await w.inject(w.a.tokens.system, 'POST', '/fhir/Appointment', appointment(w.a, 'fulfilled'));
    expect(startsFulfilled.statusCode).toBe(422);
    const noClinician = await w.inject(w.a.tokens.system, 'POST', '/fhir/Appointment', { ...appointment(w.a), participant: [appointment(w.a).participant[0]] });
    expect(noClinician.statusCode).toBe(422);
    expect(noClinician.body).toContain('kol-app-2');
  });

  it("a citizen answers only for itself: it neither books, moves, cancels nor deletes (403)", async () => {
    const proposed = (await w.inject(w.a.tokens.clinician, 'POST', '/fhir/Appointment', appointment(w.a))).json() as Appointment;
    expect((await w.inject(w.a.tokens.citizen, 'POST', '/fhir/Appointment', appointment(w.a))).statusCode).toBe(403);
    expect((await put(w.a.tokens.citizen, { ...proposed, start: '2026-03-11T10:00:00+01:00', end: '2026-03-11T10:20:00+01:00' })).statusCode).toBe(403);
    expect((await put(w.a.tokens.citizen, { ...proposed, status: 'cancelled' })).statusCode).toBe(403);
    const nurseAnswer = { ...proposed, participant: proposed.participant.map((p) => ({ ...p, status: 'declined' as const })) };
    expect((await put(w.a.tokens.citizen, nurseAnswer)).statusCode).toBe(403);
    expect((await w.inject(w.a.tokens.citizen, 'DELETE', `/fhir/Appointment/${proposed.id}`)).statusCode).toBe(403);
    const declined = { ...proposed, participant: proposed.participant.map((p) => (p.actor?.reference?.startsWith('Patient/') ? { ...p, status: 'declined' as const } : p)) };
    expect((await put(w.a.tokens.citizen, declined)).statusCode).toBe(200);
  });

  it("another municipality's clients, the other team and the other citizen neither see, count nor change A's appointments", async () => {
    const id = booked.id as string;
    const missing = `no-such-${id.slice(0, 20)}`;
    for (const token of [w.b.tokens.system, w.b.tokens.clinician, w.b.tokens.citizen, w.a.tokens.otherTeamClinician]) {
      alike(await w.inject(token, 'GET', `/fhir/Appointment/${id}`), await w.inject(token, 'GET', `/fhir/Appointment/${missing}`), id, missing);
      alike(await put(token, { ...booked, status: 'cancelled' }), await put(token, { ...booked, id: missing, status: 'cancelled' }), id, missing);
      alike(await w.inject(token, 'DELETE', `/fhir/Appointment/${id}`), await w.inject(token, 'DELETE', `/fhir/Appointment/${missing}`), id, missing);
      const search = await w.inject(token, 'GET', `/fhir/Appointment?actor=Practitioner/${w.a.nurse}&_total=accurate`);
      expect(search.json().total).toBe(0);
    }
    // B's staff cannot book an appointment for A's citizen (refused like an unknown patient)
    const hidden = await w.inject(w.b.tokens.clinician, 'POST', '/fhir/Appointment', appointment(w.a));
    const unknown = await w.inject(w.b.tokens.clinician, 'POST', '/fhir/Appointment', { ...appointment(w.a), participant: [{ actor: { reference: 'Patient/no-such-patient' }, status: 'needs-action' }, appointment(w.a).participant[1]] });
    expect(hidden.statusCode).toBe(unknown.statusCode);
    expect(hidden.statusCode).toBeGreaterThanOrEqual(400);
    expect((await w.inject(w.a.tokens.system, 'GET', `/fhir/Appointment/${id}`)).json().status).toBe('fulfilled');
  });
});
