import { nonCprUuid } from '../../support/ids';
import type { Binary, Bundle, Media, Resource } from '@medplum/fhirtypes';
import { accessToken, registerVendorApp } from '../auth/vendor-app';
import { futWorkflow, type FutWorkflow } from './fut-workflow';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 3, 4, 0xff, 0xd9]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
const MAX_BYTES = 64;

/** FUT's $submit-measurement with a Media whose image is inline: stored as a Binary of the patient, in the same transaction. */
describe('FUT $submit-measurement with an inline image', () => {
  const u = nonCprUuid();
  let w: FutWorkflow;
  /** The citizen's app, allowed to submit photos (Media) and their images (Binary). */
  let citizen = '';
  const created = (res: { json(): unknown }) => ((res.json() as Bundle).entry ?? []).map((e) => e.resource as Resource);

  beforeAll(async () => {
    w = await futWorkflow(u, { maxBytes: MAX_BYTES, contentTypes: ['image/jpeg', 'image/png'] });
    await w.persistPlan();
    const app = await registerVendorApp(w.t, { kind: 'citizen', organization: `Organization/${w.ids.orgA}`, patient: `Patient/${w.ids.patient}`, scopes: ['patient/*.cruds'] });
    citizen = await accessToken(w.t, app, 'patient/Observation.cr patient/Media.cr patient/Binary.cr patient/Patient.r', { claims: { patient: `Patient/${w.ids.patient}` } });
  });
  afterAll(() => w.t.close());

  const media = (content: Media['content']): Media => ({
    resourceType: 'Media',
    extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare', valueReference: { reference: w.url(`EpisodeOfCare/${w.ids.eoc}`) } }],
    basedOn: [{ reference: w.url(`ServiceRequest/${Object.values(w.sr)[0]}`) }],
    status: 'completed',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'image' }] },
    subject: { reference: w.url(`Patient/${w.ids.patient}`) },
    createdDateTime: '2026-03-04T08:20:00+01:00',
    content,
  });
  const raw = (token: string, reference: string) => w.t.app.inject({ method: 'GET', url: `/fhir/${reference}`, headers: { authorization: `Bearer ${token}`, accept: 'image/*' } });
  const count = async (type: string) => Number((await w.t.pool.query<{ n: string }>('SELECT count(*) AS n FROM resource WHERE resource_type = $1', [type])).rows[0].n);
  const counts = async () => [await count('Binary'), await count('Media'), await count('Task')];

  it.each([
    ['JPEG', 'image/jpeg', JPEG],
    ['PNG', 'image/png', PNG],
  ])('stores an inline %s as a Binary of the patient that the Media names; the citizen and the care team read the bytes, another municipality gets 404', async (_name, contentType, bytes) => {
    const res = await w.submitFut(citizen, [{ fullUrl: `urn:uuid:${nonCprUuid()}`, resource: media({ contentType, data: bytes.toString('base64'), title: 'Wound' }) }]);
    expect(res.statusCode === 200 ? 200 : res.body).toBe(200);
    const resources = created(res);
    expect(resources.map((r) => r.resourceType)).toEqual(['Media', 'Binary', 'ClinicalImpression', 'Task', 'Provenance']);
    const [stored, binary] = resources as [Media, Binary];

    const read = await w.call(w.tokens.clinician, 'GET', `/fhir/Media/${stored.id}`);
    expect(read.statusCode).toBe(200);
    const content = (read.json() as Media).content;
    expect(content).toEqual({ contentType, url: `Binary/${binary.id}`, title: 'Wound' });

    const asFhir = await w.call(w.tokens.sysA, 'GET', `/fhir/Binary/${binary.id}?_format=json`);
    expect(asFhir.json()).toMatchObject({ contentType, securityContext: { reference: `Patient/${w.ids.patient}` } });
    for (const token of [citizen, w.tokens.clinician]) {
      const got = await raw(token, content.url as string);
      expect(got.statusCode).toBe(200);
      expect(got.headers['content-type']).toBe(contentType);
      expect(got.rawPayload.equals(bytes)).toBe(true);
    }
    for (const token of [w.tokens.sysB, w.tokens.clinicianB]) {
      expect((await raw(token, `Binary/${binary.id}`)).statusCode).toBe(404);
      expect((await raw(token, `Binary/${nonCprUuid()}`)).statusCode).toBe(404);
    }
  });

  it.each([
    ['a content type outside the allow-list', () => media({ contentType: 'text/html', data: Buffer.from('<script>1</script>').toString('base64') }), 422],
    ['no content type', () => media({ data: JPEG.toString('base64') }), 422],
    ['data larger than the Binary limit', () => media({ contentType: 'image/jpeg', data: Buffer.alloc(MAX_BYTES + 1, 7).toString('base64') }), 413],
    ['both data and url', () => media({ contentType: 'image/jpeg', data: JPEG.toString('base64'), url: `Binary/${nonCprUuid()}` }), 422],
  ])('refuses an inline image with %s, storing no Binary, Media or Task', async (_name, item, status) => {
    const before = await counts();
    const res = await w.submitFut(citizen, [{ resource: item() }]);
    expect(res.statusCode).toBe(status);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await counts()).toEqual(before);
  });

  it('stores no Binary when the submission fails for another reason (a preliminary Observation, an Observation that fails validation)', async () => {
    const before = await counts();
    const image = media({ contentType: 'image/jpeg', data: JPEG.toString('base64') });
    const foreign = { ...w.futObservation('NPU03011', '%', 95, '2026-03-04T08:30:00+01:00'), status: 'preliminary' };
    const refused = await w.submitFut(citizen, [{ resource: image }, { resource: foreign }]);
    expect(refused.statusCode).toBe(422);
    // valid up front, but the transaction fails on validation of another entry
    const invalid = { ...w.futObservation('NPU03011', '%', 95, '2026-03-04T08:30:00+01:00'), effectiveDateTime: 'not a date' };
    const failed = await w.submitFut(citizen, [{ resource: image }, { resource: invalid }]);
    expect(failed.statusCode).toBeGreaterThanOrEqual(400);
    expect(failed.statusCode).toBeLessThan(500);
    expect(await counts()).toEqual(before);
  });

  it('refuses an inline image to a citizen app without Binary create scope, storing nothing', async () => {
    const app = await registerVendorApp(w.t, { kind: 'citizen', organization: `Organization/${w.ids.orgA}`, patient: `Patient/${w.ids.patient}`, scopes: ['patient/*.cruds'] });
    const noBinary = await accessToken(w.t, app, 'patient/Media.cr patient/Patient.r', { claims: { patient: `Patient/${w.ids.patient}` } });
    const before = await counts();
    const res = await w.submitFut(noBinary, [{ resource: media({ contentType: 'image/jpeg', data: JPEG.toString('base64') }) }]);
    expect(res.statusCode).toBe(403);
    expect(res.json().issue[0].diagnostics).toContain('Binary');
    expect(await counts()).toEqual(before);
  });

  it('refuses an inline image from another municipality\'s client as it refuses the submission, storing nothing', async () => {
    const before = await counts();
    const res = await w.submitFut(w.tokens.sysB, [{ resource: media({ contentType: 'image/jpeg', data: JPEG.toString('base64') }) }]);
    expect(res.statusCode).toBe(404);
    expect(await counts()).toEqual(before);
  });
});
