import { checkRegistration } from '../../../src/auth/client-registration';

const ecKey = { kty: 'EC', crv: 'P-384', x: 'x', y: 'y', kid: 'k1' };
const valid = { clientId: 'aalborg-kol-app', kind: 'system', organization: 'Organization/0851', scopes: 'system/*.rs', jwks: { keys: [ecKey] } };

describe('client registration checks', () => {
  it('accepts a well-formed registration and splits scopes', () => {
    const { client, problems } = checkRegistration({ ...valid, scopes: ['system/Observation.rs', 'system/Patient.read'] });
    expect(problems).toEqual([]);
    expect(client).toMatchObject({ clientId: 'aalborg-kol-app', scopes: ['system/Observation.rs', 'system/Patient.read'] });
  });

  it('refuses symmetric and private keys, keys without kid, and both or neither key source', () => {
    const text = (input: object) => checkRegistration(input).problems.join('\n');
    expect(text({ ...valid, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }] } })).toMatch(/RSA or EC/);
    expect(text({ ...valid, jwks: { keys: [{ ...ecKey, d: 'private' }] } })).toMatch(/private key/);
    expect(text({ ...valid, jwks: { keys: [{ ...ecKey, kid: undefined }] } })).toMatch(/kid is required/);
    expect(text({ ...valid, jwksUri: 'https://vendor.example/jwks' })).toMatch(/exactly one/);
    expect(text({ ...valid, jwks: undefined })).toMatch(/exactly one/);
    expect(text({ ...valid, jwks: undefined, jwksUri: 'ftp://x' })).toMatch(/jwksUri/);
  });

  it('ties scope contexts to the kind of client', () => {
    expect(checkRegistration({ ...valid, kind: 'citizen', scopes: 'system/*.rs' }).problems.join()).toMatch(/citizen client may only hold patient\//);
    expect(checkRegistration({ ...valid, kind: 'clinician', scopes: 'user/*.cruds patient/*.rs' }).problems).toEqual([]);
    expect(checkRegistration({ ...valid, scopes: 'openid system/*.rs' }).problems.join()).toMatch(/only clinical scopes/);
    expect(checkRegistration({ ...valid, kind: 'operator', scopes: 'system/Questionnaire.cruds' })).toMatchObject({ problems: [], client: { kind: 'operator' } });
    expect(checkRegistration({ ...valid, kind: 'operator', scopes: 'user/*.rs' }).problems.join()).toMatch(/operator client may only hold system\//);
  });

  it('binds a citizen client to one patient, and only a citizen client', () => {
    const citizen = { ...valid, kind: 'citizen', scopes: 'patient/*.rs' };
    expect(checkRegistration({ ...citizen, patient: 'Patient/pat-1' })).toMatchObject({ problems: [], client: { kind: 'citizen', patient: 'Patient/pat-1' } });
    for (const patient of [undefined, '', 'pat-1', 'Practitioner/1', 'Patient/', `Patient/${'x'.repeat(65)}`, 7]) {
      expect(checkRegistration({ ...citizen, patient }).problems.join()).toMatch(/patient: a reference Patient\/<id>, required for a citizen client/);
    }
    for (const kind of ['system', 'operator']) {
      expect(checkRegistration({ ...valid, kind, patient: 'Patient/pat-1' }).problems.join()).toMatch(new RegExp(`only a citizen client is bound to a patient, not a ${kind} client`));
    }
    expect(checkRegistration({ ...valid, kind: 'clinician', scopes: 'user/*.rs', patient: 'Patient/pat-1' }).problems.join()).toMatch(/only a citizen client/);
    expect(checkRegistration(valid).client).not.toHaveProperty('patient');
  });

  it('checks ids, kinds and organizations', () => {
    const text = checkRegistration({ ...valid, clientId: 'bad id', kind: 'robot', organization: 'Patient/1' }).problems.join('\n');
    expect(text).toMatch(/clientId/);
    expect(text).toMatch(/kind/);
    expect(text).toMatch(/organization/);
    // names an object's own properties carry are no kinds either (once a TypeError, not a problem)
    for (const kind of ['constructor', 'toString', '__proto__']) expect(checkRegistration({ ...valid, kind }).problems.join()).toMatch(/kind: one of/);
  });
});
