import type { Communication, Task } from '@medplum/fhirtypes';
import { alike, EPISODE_EXTENSION, KOLIBRI, woundCare, type Side, type WoundCare } from './wound-care';

const UNREAD = 'https://kolibri.dk/fhir/CodeSystem/task-category|unread-message';

/**
 * Messages between the citizen and the care team: a citizen's message puts an unread-message Task
 * on the team's worklist; reading it (the ext-read receipt) completes the Task.
 */
describe('messages between citizen and care team', () => {
  let w: WoundCare;
  beforeAll(async () => {
    w = await woundCare();
  }, 120_000);
  afterAll(async () => w.t.close());

  const message = (side: Side, from: 'citizen' | 'nurse', text: string): Communication => {
    const patient = { reference: `Patient/${side.patient}` };
    return {
      resourceType: 'Communication',
      meta: { profile: [`${KOLIBRI}kolibri-communication`] },
      extension: [{ url: EPISODE_EXTENSION, valueReference: { reference: `EpisodeOfCare/${side.episode}` } }],
      status: 'completed',
      subject: patient,
      sent: '2026-03-03T07:55:00+01:00',
      sender: from === 'citizen' ? patient : { reference: `Practitioner/${side.nurse}` },
      recipient: [from === 'citizen' ? { reference: `CareTeam/${side.team}` } : patient],
      payload: [{ contentString: text }],
    };
  };
  const worklist = async (side: Side, token = side.tokens.clinician) =>
    ((await w.inject(token, 'GET', `/fhir/Task?owner=CareTeam/${side.team}&code=${encodeURIComponent(UNREAD)}&status=requested`)).json().entry ?? []).map((e: { resource: Task }) => e.resource);

  let sent: Communication;
  let task: Task;
  it("a citizen's message puts an unread-message Task on the care team's worklist, without the text", async () => {
    const res = await w.inject(w.a.tokens.citizen, 'POST', '/fhir/Communication', message(w.a, 'citizen', 'The redness has spread'));
    expect(res.statusCode).toBe(201);
    sent = res.json();
    const tasks = await worklist(w.a);
    expect(tasks).toHaveLength(1);
    task = tasks[0];
    expect(task).toMatchObject({ priority: 'routine', focus: { reference: `Communication/${sent.id}` }, for: { reference: `Patient/${w.a.patient}` } });
    expect(JSON.stringify(task)).not.toContain('redness');
  });

  it('the care team reads it: the read receipt completes the Task; a reply to the citizen makes no Task', async () => {
    const read = await w.inject(w.a.tokens.clinician, 'PUT', `/fhir/Communication/${sent.id}`, {
      ...sent,
      extension: [...(sent.extension ?? []), { url: `${KOLIBRI}ext-read`, valueDateTime: '2026-03-03T09:12:00+01:00' }],
    });
    expect(read.statusCode).toBe(200);
    expect(await worklist(w.a)).toHaveLength(0);
    const done = await w.inject(w.a.tokens.clinician, 'GET', `/fhir/Task/${task.id}`);
    expect(done.json().status).toBe('completed');

    const reply = await w.inject(w.a.tokens.clinician, 'POST', '/fhir/Communication', message(w.a, 'nurse', 'Please send a photo'));
    expect(reply.statusCode).toBe(201);
    expect(await worklist(w.a)).toHaveLength(0);
    const inbox = await w.inject(w.a.tokens.citizen, 'GET', `/fhir/Communication?recipient=Patient/${w.a.patient}`);
    expect(inbox.json().entry.map((e: { resource: Communication }) => e.resource.id)).toEqual([reply.json().id]);
  });

  it("a message to a team that is not on the citizen's episode makes no worklist item", async () => {
    const res = await w.inject(w.a.tokens.citizen, 'POST', '/fhir/Communication', { ...message(w.a, 'citizen', 'hello'), recipient: [{ reference: `CareTeam/${w.b.team}` }] });
    expect(res.statusCode).toBe(201);
    const tasks = await w.t.pool.query(`SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Task' AND content LIKE $1`, [`%Communication/${res.json().id}%`]);
    expect(tasks.rows[0].n).toBe(0);
  });

  it('a message without its episode or a sender is refused by the profile and leaves no Task', async () => {
    const bad = await w.inject(w.a.tokens.citizen, 'POST', '/fhir/Communication', { ...message(w.a, 'citizen', 'x'), extension: undefined, sender: undefined });
    expect(bad.statusCode).toBe(422);
    expect(await worklist(w.a)).toHaveLength(0);
  });

  it("another municipality's clients and the other team neither read the message or its Task, nor write into A's conversation", async () => {
    const id = sent.id as string;
    const missing = `no-such-${id.slice(0, 20)}`;
    for (const token of [w.b.tokens.system, w.b.tokens.clinician, w.b.tokens.citizen, w.a.tokens.otherTeamClinician]) {
      alike(await w.inject(token, 'GET', `/fhir/Communication/${id}`), await w.inject(token, 'GET', `/fhir/Communication/${missing}`), id, missing);
      alike(await w.inject(token, 'GET', `/fhir/Task/${task.id}`), await w.inject(token, 'GET', `/fhir/Task/${missing}`), task.id as string, missing);
      alike(await w.inject(token, 'PUT', `/fhir/Communication/${id}`, sent), await w.inject(token, 'PUT', `/fhir/Communication/${missing}`, { ...sent, id: missing }), id, missing);
      // a search naming A's patient: no match, or refused exactly as for a patient that does not exist
      const search = (patient: string) => w.inject(token, 'GET', `/fhir/Communication?subject=Patient/${patient}&_total=accurate`);
      const hiddenSearch = await search(w.a.patient);
      if (hiddenSearch.statusCode === 200) expect(hiddenSearch.json().total).toBe(0);
      else alike(hiddenSearch, await search('no-such-patient'), w.a.patient, 'no-such-patient');
      const tasks = await w.inject(token, 'GET', `/fhir/Task?focus=Communication/${id}&_total=accurate`);
      if (tasks.statusCode === 200) expect(tasks.json().total).toBe(0);
    }
    // what the forged message could write names A's patient: other test files write Communications
    // and Tasks of their own meanwhile, so a count over the whole server would move
    const aboutA = async () =>
      (await w.t.pool.query(`SELECT count(*)::int AS n FROM resource WHERE resource_type IN ('Communication', 'Task') AND content LIKE $1`, [`%Patient/${w.a.patient}"%`])).rows[0].n as number;
    const before = await aboutA();
    // the count sees what this file wrote about A's patient so far (messages and their Task)
    expect(before).toBeGreaterThanOrEqual(2);
    const forged = await w.inject(w.b.tokens.citizen, 'POST', '/fhir/Communication', message(w.a, 'citizen', 'forged'));
    expect(forged.statusCode).toBeGreaterThanOrEqual(400);
    expect(forged.statusCode).toBeLessThan(500);
    expect(await aboutA()).toBe(before);
  });
});
