import { randomBytes } from 'node:crypto';
import { createTestApp, type TestApp } from '../../../support/app';
import { buildFixture, call, type Fixture } from '../../access/tenants';

/** A tiny PNG-like payload (bytes, not a real image: the server stores content, it does not decode it). */
const PHOTO = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 3, 250, 251, 252]);

/** PHOTO followed by random bytes: no other upload of the test run carries these. */
const uniquePhoto = () => Buffer.concat([PHOTO, randomBytes(12)]);

/**
 * Binaries stored whose data starts with `prefix` (its length a multiple of 3, so that its base64
 * is a prefix of theirs).
 */
async function storedWith(t: TestApp, prefix: Buffer): Promise<number> {
  if (prefix.length % 3 !== 0) throw new Error('prefix length must be a multiple of 3');
  const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Binary' AND content LIKE $1`, [`%"${prefix.toString('base64')}%`]);
  return rows[0].n as number;
}

describe('Binary in its own format (photos of a wound)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await buildFixture();
  }, 120_000);
  afterAll(async () => f.t.close());

  const upload = (token: string, body: Buffer, contentType: string, securityContext?: string) =>
    f.t.app.inject({
      method: 'POST',
      url: '/fhir/Binary',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType, ...(securityContext ? { 'x-security-context': securityContext } : {}) },
      payload: body,
    });
  const download = (token: string, id: string, accept?: string) =>
    f.t.app.inject({ method: 'GET', url: `/fhir/Binary/${id}`, headers: { authorization: `Bearer ${token}`, ...(accept ? { accept } : {}) } });

  it('a citizen uploads a photo of its own wound; its care team reads the bytes back, or the FHIR JSON', async () => {
    const res = await upload(f.a.tokens.citizen, PHOTO, 'image/png', `Patient/${f.a.ids.patient}`);
    expect(res.statusCode).toBe(201);
    const binary = res.json();
    expect(binary).toMatchObject({ resourceType: 'Binary', contentType: 'image/png', securityContext: { reference: `Patient/${f.a.ids.patient}` }, data: PHOTO.toString('base64') });

    const raw = await download(f.a.tokens.clinician, binary.id);
    expect(raw.statusCode).toBe(200);
    expect(raw.headers['content-type']).toBe('image/png');
    expect(raw.headers['x-content-type-options']).toBe('nosniff');
    expect(raw.headers.etag).toBe('W/"1"');
    expect(raw.rawPayload.equals(PHOTO)).toBe(true);

    const json = await download(f.a.tokens.citizen, binary.id, 'application/fhir+json');
    expect(json.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(json.json().data).toBe(PHOTO.toString('base64'));
    const viaFormat = await f.t.app.inject({ method: 'GET', url: `/fhir/Binary/${binary.id}?_format=json`, headers: { authorization: `Bearer ${f.a.tokens.system}`, accept: 'image/png' } });
    expect(viaFormat.json().id).toBe(binary.id);
  });

  it("another municipality's clients neither read the photo nor tell it from a missing one", async () => {
    const made = (await upload(f.a.tokens.citizen, PHOTO, 'image/jpeg', `Patient/${f.a.ids.patient}`)).json();
    for (const token of [f.b.tokens.system, f.b.tokens.clinician, f.b.tokens.citizen, f.a.otherTeam.token, f.operatorToken]) {
      const hidden = await download(token, made.id, 'image/jpeg');
      const missing = await download(token, `no-such-${made.id}`, 'image/jpeg');
      expect(hidden.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      expect(hidden.body.replace(made.id, 'X')).toBe(missing.body.replace(`no-such-${made.id}`, 'X'));
      expect(hidden.body).not.toContain(PHOTO.toString('base64'));
    }
  });

  it('a photo pointing into another municipality\'s patient is refused like a missing patient, and stores nothing', async () => {
    // a photo of its own, so that other test files storing Binaries meanwhile do not move the count
    const photo = uniquePhoto();
    const before = await storedWith(f.t, photo);
    const hidden = await upload(f.b.tokens.citizen, photo, 'image/png', `Patient/${f.a.ids.patient}`);
    const missing = await upload(f.b.tokens.citizen, photo, 'image/png', `Patient/no-such-patient`);
    expect(hidden.statusCode).toBeGreaterThanOrEqual(400);
    expect(hidden.statusCode).toBeLessThan(500);
    expect(hidden.statusCode).toBe(missing.statusCode);
    const staff = await upload(f.b.tokens.system, photo, 'image/png', `Patient/${f.a.ids.patient}`);
    expect(staff.statusCode).toBe(hidden.statusCode);
    expect(await storedWith(f.t, photo)).toBe(before);
    // the count sees such a photo once it is stored
    expect((await upload(f.a.tokens.citizen, photo, 'image/png', `Patient/${f.a.ids.patient}`)).statusCode).toBe(201);
    expect(await storedWith(f.t, photo)).toBe(before + 1);
  });

  it('refuses media types outside the allow-list (415) and raw bodies on other types and routes', async () => {
    const text = await upload(f.a.tokens.citizen, Buffer.from('<script>alert(1)</script>'), 'text/html', `Patient/${f.a.ids.patient}`);
    expect(text.statusCode).toBe(415);
    expect(text.json().resourceType).toBe('OperationOutcome');
    const onObservation = await f.t.app.inject({
      method: 'POST',
      url: '/fhir/Observation',
      headers: { authorization: `Bearer ${f.a.tokens.citizen}`, 'content-type': 'image/png' },
      payload: PHOTO,
    });
    expect(onObservation.statusCode).toBe(415);
    const onTransaction = await f.t.app.inject({ method: 'POST', url: '/fhir', headers: { authorization: `Bearer ${f.a.tokens.system}`, 'content-type': 'image/png' }, payload: PHOTO });
    expect(onTransaction.statusCode).toBe(415);
  });

  it('a stored Binary of a type outside the allow-list is served as an attachment, never rendered', async () => {
    const made = await call(f.t, f.a.tokens.system, 'POST', '/fhir/Binary', {
      resourceType: 'Binary',
      contentType: 'text/html',
      securityContext: { reference: `Patient/${f.a.ids.patient}` },
      data: Buffer.from('<script>alert(1)</script>').toString('base64'),
    });
    expect(made.status).toBe(201);
    const raw = await download(f.a.tokens.system, made.json().id);
    expect(raw.headers['content-type']).toBe('application/octet-stream');
    expect(raw.headers['content-disposition']).toBe('attachment');
  });
});

describe('Binary size limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ binary: { maxBytes: 1000, contentTypes: ['image/png'] } });
  });
  afterAll(async () => t.close());

  it('answers 413 with an OperationOutcome beyond the limit, raw or as FHIR JSON, and stores nothing', async () => {
    // bytes of its own, so that other test files storing Binaries meanwhile do not move the count
    const big = randomBytes(1001);
    const count = () => storedWith(t, big.subarray(0, 600));
    const before = await count();
    const raw = await t.app.inject({ method: 'POST', url: '/fhir/Binary', headers: { 'content-type': 'image/png' }, payload: big });
    expect(raw.statusCode).toBe(413);
    expect(raw.json().resourceType).toBe('OperationOutcome');
    const json = await t.app.inject({
      method: 'POST',
      url: '/fhir/Binary',
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ resourceType: 'Binary', contentType: 'image/png', data: big.toString('base64') }),
    });
    expect(json.statusCode).toBe(413);
    expect(json.json().issue[0].code).toBe('too-long');
    expect(await count()).toBe(before);
    const ok = await t.app.inject({ method: 'POST', url: '/fhir/Binary', headers: { 'content-type': 'image/png' }, payload: Buffer.alloc(1000, 7) });
    expect(ok.statusCode).toBe(201);
    const jpeg = await t.app.inject({ method: 'POST', url: '/fhir/Binary', headers: { 'content-type': 'image/jpeg' }, payload: Buffer.alloc(10, 7) });
    expect(jpeg.statusCode).toBe(415);
  });
});

describe('Binary size limit above the JSON body limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    // the test app's MAX_BODY_BYTES is 1 MiB; photos may be larger than FHIR JSON bodies
    t = await createTestApp({ binary: { maxBytes: 3 * 1024 * 1024, contentTypes: ['image/jpeg'] } });
  });
  afterAll(async () => t.close());

  it('takes a 2 MiB photo although JSON bodies stop at 1 MiB', async () => {
    const photo = Buffer.alloc(2 * 1024 * 1024, 9);
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Binary', headers: { 'content-type': 'image/jpeg' }, payload: photo });
    expect(res.statusCode === 201 ? 201 : res.body).toBe(201);
    const back = await t.app.inject({ method: 'GET', url: `/fhir/Binary/${res.json().id}`, headers: { accept: 'image/jpeg' } });
    expect(back.rawPayload.length).toBe(photo.length);
  });
});

describe('CapabilityStatement', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it("declares Binary's own content types and limit, and the modality profiles and rules", async () => {
    const statement = (await t.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
    const entry = (type: string) => statement.rest[0].resource.find((r: { type: string }) => r.type === type);
    expect(entry('Binary').documentation).toContain('image/jpeg, image/png, image/heic, application/pdf');
    expect(entry('Binary').documentation).toContain('X-Security-Context');
    for (const [type, profile] of [['Media', 'kolibri-media'], ['Appointment', 'kolibri-appointment'], ['Communication', 'kolibri-communication']]) {
      expect(entry(type).supportedProfile).toContain(`https://kolibri.dk/fhir/StructureDefinition/${profile}`);
    }
    expect(entry('Appointment').documentation).toContain('booked -> arrived');
    expect(entry('Communication').documentation).toContain('unread-message');
  });
});
