import { createTestApp, type TestApp } from '../../support/app';

const FHIR = { 'content-type': 'application/fhir+json' };
const JSON_PATCH = { 'content-type': 'application/json-patch+json' };

/** A FHIRPath Patch Parameters resource from [type, parts] pairs. */
function fhirPathPatch(...ops: Array<Record<string, unknown>>) {
  return {
    resourceType: 'Parameters',
    parameter: ops.map(({ type, ...rest }) => ({
      name: 'operation',
      part: [{ name: 'type', valueCode: type }, ...Object.entries(rest).map(([name, v]) => ({ name, ...(v as object) }))],
    })),
  };
}

describe('PATCH (https://hl7.org/fhir/R4/http.html#patch)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  async function newPatient(body: Record<string, unknown> = {}) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: FHIR,
      payload: { resourceType: 'Patient', active: true, name: [{ family: 'Hansen', given: ['Ida', 'Marie'] }], ...body },
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; [k: string]: unknown };
  }
  const versions = async (id: string) =>
    (await t.pool.query(`SELECT version_id, method FROM resource_version WHERE resource_type = 'Patient' AND id = $1 ORDER BY version_id`, [id])).rows;
  const patch = (id: string, payload: unknown, headers: Record<string, string> = JSON_PATCH) =>
    t.app.inject({ method: 'PATCH', url: `/fhir/Patient/${id}`, headers, payload: JSON.stringify(payload) });

  describe('JSON Patch', () => {
    it('applies operations and writes a new version with method PATCH', async () => {
      const p = await newPatient();
      const res = await patch(p.id, [
        { op: 'test', path: '/active', value: true },
        { op: 'replace', path: '/active', value: false },
        { op: 'add', path: '/name/0/given/-', value: 'Sofie' },
        { op: 'add', path: '/gender', value: 'female' },
      ]);
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('W/"2"');
      const body = res.json();
      expect(body).toMatchObject({ active: false, gender: 'female', name: [{ given: ['Ida', 'Marie', 'Sofie'] }], meta: { versionId: '2' } });
      expect(await versions(p.id)).toEqual([
        { version_id: 1, method: 'POST' },
        { version_id: 2, method: 'PATCH' },
      ]);
      const read = await t.app.inject({ method: 'GET', url: `/fhir/Patient/${p.id}` });
      expect(read.json().gender).toBe('female');
    });

    it.each([
      ['a failed test op', [{ op: 'test', path: '/active', value: false }, { op: 'replace', path: '/active', value: false }], /Test operation failed/],
      ['a missing path', [{ op: 'replace', path: '/birthDate', value: '2000-01-01' }], /path that does not exist/],
      ['an array index out of bounds', [{ op: 'add', path: '/name/0/given/7', value: 'X' }], /index/],
      ['removing a missing element', [{ op: 'remove', path: '/name/3' }], /does not exist/],
    ])('answers 422 for %s and changes nothing', async (_what, ops, message) => {
      const p = await newPatient();
      const res = await patch(p.id, ops);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing' }] });
      expect(res.json().issue[0].diagnostics).toMatch(message);
      expect(await versions(p.id)).toHaveLength(1);
    });

    it('answers 422 when the patched resource is not valid, naming the element, and changes nothing', async () => {
      const p = await newPatient();
      const res = await patch(p.id, [{ op: 'replace', path: '/active', value: 'yes' }]);
      expect(res.statusCode).toBe(422);
      expect(JSON.stringify(res.json().issue)).toMatch(/Patient\.active/);
      expect(await versions(p.id)).toHaveLength(1);
    });

    it('answers 422 when a patch would change the id', async () => {
      const p = await newPatient();
      const res = await patch(p.id, [{ op: 'replace', path: '/id', value: 'other' }]);
      expect(res.statusCode).toBe(422);
      expect(await versions(p.id)).toHaveLength(1);
    });

    it('answers 400 for a malformed patch document', async () => {
      const p = await newPatient();
      expect((await patch(p.id, { op: 'replace' })).statusCode).toBe(400);
      expect((await patch(p.id, [{ op: 'frobnicate', path: '/active' }])).statusCode).toBe(400);
      expect((await patch(p.id, [{ op: 'replace', path: 'active', value: true }])).statusCode).toBe(400);
      expect((await patch(p.id, [{ op: 'replace', path: '/active' }])).statusCode).toBe(400);
    });

    it.each([
      ['remove the root', [{ op: 'remove', path: '' }]],
      ['replace the root with a number', [{ op: 'replace', path: '', value: 5 }]],
      ['replace the root with null', [{ op: 'replace', path: '', value: null }]],
      ['add at the root', [{ op: 'add', path: '', value: { resourceType: 'Patient' } }]],
      ['move a list onto the root', [{ op: 'move', from: '/name', path: '' }]],
      ['copy a list onto the root', [{ op: 'copy', from: '/name', path: '' }]],
      ['move the root into a child', [{ op: 'move', from: '', path: '/name/0' }]],
      ['move an element into itself', [{ op: 'move', from: '/name', path: '/name/0' }]],
      ['remove the empty-named member /', [{ op: 'remove', path: '/' }]],
      ['add beyond the end of a list', [{ op: 'add', path: '/name/5', value: { family: 'X' } }]],
      ['remove beyond the end of a list', [{ op: 'remove', path: '/name/5' }]],
      ['a failing test', [{ op: 'test', path: '/active', value: false }, { op: 'remove', path: '/name' }]],
      ['a failing test of the root', [{ op: 'test', path: '', value: {} }]],
    ])('answers 422 with an OperationOutcome and changes nothing for a patch that cannot apply: %s', async (_label, ops) => {
      const p = await newPatient();
      const res = await patch(p.id, ops);
      expect(res.statusCode).toBe(422);
      expect(res.json().resourceType).toBe('OperationOutcome');
      expect(await versions(p.id)).toHaveLength(1);
    });

    it('answers 422 for a transaction PATCH entry that removes the root, and writes nothing', async () => {
      const p = await newPatient();
      const data = Buffer.from(JSON.stringify([{ op: 'remove', path: '' }])).toString('base64');
      const res = await t.app.inject({
        method: 'POST',
        url: '/fhir',
        headers: FHIR,
        payload: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data }, request: { method: 'PATCH', url: `Patient/${p.id}` } },
            { resource: { resourceType: 'Patient', id: `${p.id}x`, active: false }, request: { method: 'PUT', url: `Patient/${p.id}x` } },
          ],
        },
      });
      expect(res.json().issue[0].diagnostics).toContain('Entry 1 of 2');
      expect(res.statusCode).toBe(422);
      expect(await versions(p.id)).toHaveLength(1);
      expect(await versions(`${p.id}x`)).toHaveLength(0);
    });

    it('honours If-Match: 412 on a stale version, 200 on the current one', async () => {
      const p = await newPatient();
      const ops = [{ op: 'replace', path: '/active', value: false }];
      const stale = await patch(p.id, ops, { ...JSON_PATCH, 'if-match': 'W/"7"' });
      expect(stale.statusCode).toBe(412);
      expect(await versions(p.id)).toHaveLength(1);
      const ok = await patch(p.id, ops, { ...JSON_PATCH, 'if-match': 'W/"1"' });
      expect(ok.statusCode).toBe(200);
    });

    it('answers 404 for an unknown resource and 410 for a deleted one', async () => {
      expect((await patch('no-such-patient', [{ op: 'remove', path: '/active' }])).statusCode).toBe(404);
      const p = await newPatient();
      await t.app.inject({ method: 'DELETE', url: `/fhir/Patient/${p.id}` });
      expect((await patch(p.id, [{ op: 'remove', path: '/active' }])).statusCode).toBe(410);
    });

    it('answers 415 for a JSON Patch sent as FHIR JSON and for other media types', async () => {
      const p = await newPatient();
      expect((await patch(p.id, [{ op: 'remove', path: '/active' }], FHIR)).statusCode).toBe(415);
      const text = await t.app.inject({ method: 'PATCH', url: `/fhir/Patient/${p.id}`, headers: { 'content-type': 'text/plain' }, payload: 'x' });
      expect(text.statusCode).toBe(415);
    });

    it('honours Prefer: return=minimal', async () => {
      const p = await newPatient();
      const res = await patch(p.id, [{ op: 'remove', path: '/active' }], { ...JSON_PATCH, prefer: 'return=minimal' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('');
      expect(res.headers.etag).toBe('W/"2"');
    });
  });

  describe('FHIRPath Patch', () => {
    it('adds, inserts, replaces, moves and deletes', async () => {
      const p = await newPatient({ identifier: [{ system: 'urn:x', value: '1' }] });
      const res = await patch(
        p.id,
        fhirPathPatch(
          { type: 'add', path: { valueString: 'Patient' }, name: { valueString: 'birthDate' }, value: { valueDate: '1950-03-01' } },
          { type: 'insert', path: { valueString: 'Patient.identifier' }, index: { valueInteger: 0 }, value: { valueIdentifier: { system: 'urn:x', value: '0' } } },
          { type: 'replace', path: { valueString: 'Patient.active' }, value: { valueBoolean: false } },
          { type: 'move', path: { valueString: 'Patient.name[0].given' }, source: { valueInteger: 1 }, destination: { valueInteger: 0 } },
          { type: 'delete', path: { valueString: "Patient.identifier.where(value = '1')" } },
          { type: 'add', path: { valueString: 'Patient' }, name: { valueString: 'telecom' }, value: { valueContactPoint: { system: 'phone', value: '+4512345678' } } },
          { type: 'add', path: { valueString: 'Patient' }, name: { valueString: 'deceased' }, value: { valueBoolean: false } },
        ),
        FHIR,
      );
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({
        birthDate: '1950-03-01',
        active: false,
        identifier: [{ system: 'urn:x', value: '0' }],
        name: [{ family: 'Hansen', given: ['Marie', 'Ida'] }],
        telecom: [{ system: 'phone', value: '+4512345678' }],
        deceasedBoolean: false,
      });
      expect(await versions(p.id)).toEqual([
        { version_id: 1, method: 'POST' },
        { version_id: 2, method: 'PATCH' },
      ]);
    });

    it('deleting an element that is not there changes nothing but still succeeds', async () => {
      const p = await newPatient();
      const res = await patch(p.id, fhirPathPatch({ type: 'delete', path: { valueString: 'Patient.birthDate' } }), FHIR);
      expect(res.statusCode).toBe(200);
    });

    it.each([
      ['replace of a missing element', { type: 'replace', path: { valueString: 'Patient.birthDate' }, value: { valueDate: '2000-01-01' } }],
      ['insert beyond the end of a list', { type: 'insert', path: { valueString: 'Patient.name.given' }, index: { valueInteger: 9 }, value: { valueString: 'X' } }],
      ['move from a bad index', { type: 'move', path: { valueString: 'Patient.name[0].given' }, source: { valueInteger: 5 }, destination: { valueInteger: 0 } }],
      ['add to an element that already has a value', { type: 'add', path: { valueString: 'Patient' }, name: { valueString: 'active' }, value: { valueBoolean: true } }],
      ['delete of several elements', { type: 'delete', path: { valueString: 'Patient.name.given' } }],
    ])('answers 422 for %s and changes nothing', async (_what, op) => {
      const p = await newPatient();
      const res = await patch(p.id, fhirPathPatch(op), FHIR);
      expect(res.statusCode).toBe(422);
      expect(res.json().resourceType).toBe('OperationOutcome');
      expect(await versions(p.id)).toHaveLength(1);
    });

    it('answers 400 for a path that is not FHIRPath and for a malformed Parameters', async () => {
      const p = await newPatient();
      expect((await patch(p.id, fhirPathPatch({ type: 'delete', path: { valueString: 'Patient.name.(' } }), FHIR)).statusCode).toBe(400);
      expect((await patch(p.id, fhirPathPatch({ type: 'explode', path: { valueString: 'Patient' } }), FHIR)).statusCode).toBe(400);
      expect((await patch(p.id, { resourceType: 'Patient' }, FHIR)).statusCode).toBe(400);
    });

    it('answers 422 when the patched resource is invalid', async () => {
      const p = await newPatient();
      const res = await patch(p.id, fhirPathPatch({ type: 'replace', path: { valueString: 'Patient.active' }, value: { valueString: 'maybe' } }), FHIR);
      expect(res.statusCode).toBe(422);
      expect(await versions(p.id)).toHaveLength(1);
    });
  });
});
