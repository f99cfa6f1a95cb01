import type { Bundle, ClinicalImpression, Media, Task } from '@medplum/fhirtypes';
import { eventually } from '../../../support/eventually';
import { alike, EPISODE_EXTENSION, KOLIBRI, woundCare, type Side, type WoundCare } from './wound-care';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 3, 4, 0xff, 0xd9]);

/**
 * Wound care: the citizen photographs the wound, uploads the image as a Binary in its own format
 * and submits a Media naming it through $submit-measurement; the care team gets a Task to assess it.
 */
describe('photos of the wound in measurement submissions', () => {
  let w: WoundCare;
  beforeAll(async () => {
    w = await woundCare();
  }, 120_000);
  afterAll(async () => w.t.close());

  const upload = (side: Side, token: string, patient = side.patient) =>
    w.t.app.inject({
      method: 'POST',
      url: '/fhir/Binary',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg', 'x-security-context': `Patient/${patient}` },
      payload: JPEG,
    });
  const media = (side: Side, binaryUrl: string): Media => ({
    resourceType: 'Media',
    meta: { profile: [`${KOLIBRI}kolibri-media`] },
    extension: [{ url: EPISODE_EXTENSION, valueReference: { reference: `EpisodeOfCare/${side.episode}` } }],
    basedOn: [{ reference: `ServiceRequest/${side.sr.ZZ7011}` }],
    status: 'completed',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'image' }] },
    subject: { reference: `Patient/${side.patient}` },
    createdDateTime: '2026-03-02T08:20:00+01:00',
    content: { contentType: 'image/jpeg', url: binaryUrl, title: 'Wound, left lower leg' },
  });
  const submit = (side: Side, token: string, items: unknown[]) =>
    w.inject(token, 'POST', `/fhir/Patient/${side.patient}/$submit-measurement`, { resourceType: 'Bundle', type: 'collection', entry: items.map((resource) => ({ resource })) });

  let mediaId = '';
  let binaryId = '';
  it('the citizen uploads the image, submits the Media; a yellow triage and an urgent Task ask the care team to look', async () => {
    const uploaded = await upload(w.a, w.a.tokens.citizen);
    expect(uploaded.statusCode).toBe(201);
    binaryId = uploaded.json().id;
    const res = await submit(w.a, w.a.tokens.citizen, [media(w.a, `Binary/${binaryId}`)]);
    expect(res.statusCode === 200 ? 200 : res.body).toBe(200);
    const [stored, impression, task] = ((res.json() as Bundle).entry ?? []).map((e) => e.resource) as [Media, ClinicalImpression, Task];
    expect(stored.resourceType).toBe('Media');
    mediaId = stored.id as string;
    expect(impression.extension?.[0].valueCoding?.code).toBe('yellow');
    expect(impression.finding?.[0].itemReference?.reference).toBe(`Media/${mediaId}`);
    expect(task).toMatchObject({ priority: 'urgent', owner: { reference: `CareTeam/${w.a.team}` } });
    expect(task.description).toContain("a photo for the care team's assessment");
    expect(task.input?.[0].valueReference?.reference).toBe(`Media/${mediaId}`);

    // the care team follows Media.content.url to the bytes
    const read = await w.inject(w.a.tokens.clinician, 'GET', `/fhir/Media/${mediaId}`);
    expect(read.json().content.url).toBe(`Binary/${binaryId}`);
    const bytes = await w.t.app.inject({ method: 'GET', url: `/fhir/${read.json().content.url}`, headers: { authorization: `Bearer ${w.a.tokens.clinician}`, accept: 'image/jpeg' } });
    expect(bytes.headers['content-type']).toBe('image/jpeg');
    expect(bytes.rawPayload.equals(JPEG)).toBe(true);

    // the look at the image is in the citizen's audit trail like any read of its data
    // (another test file's drainer may hold the record for a moment: FOR UPDATE SKIP LOCKED)
    type Event = { entity?: unknown[]; subtype?: Array<{ code?: string }> };
    const audited = async () => {
      await w.t.services.auditDrainer.drainAll();
      const trail = await w.inject(w.a.tokens.citizen, 'GET', `/fhir/AuditEvent?patient=Patient/${w.a.patient}&subtype=read&_sort=-date&_count=100`);
      return ((trail.json().entry ?? []) as Array<{ resource: Event }>).some((e) => JSON.stringify(e.resource.entity).includes(`Binary/${binaryId}`));
    };
    const found = await eventually(audited);
    expect(found).toBe(true);
  });

  it("a submission naming another municipality's image is refused like one naming no image, and writes nothing", async () => {
    // what these submissions could write names B's patient or the image: other test files write
    // Media and Tasks of their own meanwhile, so a count over the whole server would move
    const about = async (patient: string) =>
      (
        await w.t.pool.query(`SELECT count(*)::int AS n FROM resource WHERE resource_type IN ('Media', 'Task') AND (content LIKE $1 OR content LIKE $2)`, [
          `%Patient/${patient}"%`,
          `%${binaryId}%`,
        ])
      ).rows[0].n as number;
    const count = () => about(w.b.patient);
    // the same count sees what the accepted submission above wrote
    expect(await about(w.a.patient)).toBeGreaterThanOrEqual(2);
    const before = await count();
    const hidden = await submit(w.b, w.b.tokens.citizen, [media(w.b, `Binary/${binaryId}`)]);
    const missing = await submit(w.b, w.b.tokens.citizen, [media(w.b, `Binary/no-such-${binaryId}`)]);
    expect(hidden.statusCode).toBe(422);
    alike(hidden, missing, binaryId, `no-such-${binaryId}`);
    // even B's own image stored for another patient of B is not this patient's photo
    const own = await upload(w.b, w.b.tokens.system);
    expect(own.statusCode).toBe(201);
    expect(await count()).toBe(before);
  });

  it("another municipality's clients and the other team neither read the Media nor its image", async () => {
    for (const token of [w.b.tokens.system, w.b.tokens.clinician, w.b.tokens.citizen, w.a.tokens.otherTeamClinician]) {
      alike(await w.inject(token, 'GET', `/fhir/Media/${mediaId}`), await w.inject(token, 'GET', `/fhir/Media/no-such-${mediaId}`), mediaId, `no-such-${mediaId}`);
      alike(await w.inject(token, 'GET', `/fhir/Binary/${binaryId}`), await w.inject(token, 'GET', `/fhir/Binary/no-such-${binaryId}`), binaryId, `no-such-${binaryId}`);
      const search = await w.inject(token, 'GET', `/fhir/Media?subject=Patient/${w.a.patient}&_total=accurate`);
      expect(search.json().total ?? 0).toBe(0);
    }
  });
});
