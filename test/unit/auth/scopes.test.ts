import { DEVELOPMENT_CONTEXT, type AuthContext } from '../../../src/auth/context';
import { allows, requireScope, restrictionsFor } from '../../../src/auth/permissions';
import { formatScope, formatScopes, grantScopes, parseScope, parseScopes } from '../../../src/auth/scopes';
import { FhirError } from '../../../src/fhir/outcome';

const scopes = (text: string) => parseScopes(text).scopes;

describe('SMART scope parsing', () => {
  it('reads v1 scopes: read = r+s, write = c+u+d, * = cruds', () => {
    expect(parseScope('patient/Observation.read')).toEqual({ context: 'patient', resourceType: 'Observation', permissions: 'rs', version: 1 });
    expect(parseScope('user/*.write')).toEqual({ context: 'user', resourceType: '*', permissions: 'cud', version: 1 });
    expect(parseScope('system/*.*')).toEqual({ context: 'system', resourceType: '*', permissions: 'cruds', version: 1 });
  });

  it('reads v2 scopes with permission letters in cruds order', () => {
    expect(parseScope('system/Observation.rs')).toMatchObject({ resourceType: 'Observation', permissions: 'rs', version: 2 });
    expect(parseScope('patient/*.cruds')).toMatchObject({ context: 'patient', permissions: 'cruds', version: 2 });
    expect(parseScope('user/Task.u')).toMatchObject({ permissions: 'u' });
  });

  it('reads v2 query restrictions as sorted (name, value) pairs', () => {
    expect(parseScope('system/Observation.rs?category=vital-signs')).toMatchObject({
      permissions: 'rs',
      restriction: [['category', 'vital-signs']],
    });
    expect(parseScope('patient/Observation.rs?code=urn%3Aoid%3A1.2.208.176.2.1%7CNPU03011&category=vital-signs')?.restriction).toEqual([
      ['category', 'vital-signs'],
      ['code', 'urn:oid:1.2.208.176.2.1|NPU03011'],
    ]);
  });

  it('refuses malformed clinical scopes', () => {
    for (const bad of [
      'system/Observation.sr', // wrong order
      'system/Observation.rr', // repeated
      'system/Observation.x',
      'system/Observation.', // empty
      'admin/Observation.read', // unknown context (not clinical: other)
      'system/observation.read', // type must be capitalised
      'system/Observation.read?category=x', // restriction needs v2
      'system/Observation.rs?', // empty restriction
      'system/Observation.rs?category', // no value
    ]) {
      const parsed = parseScopes(bad);
      expect({ bad, scopes: parsed.scopes }).toEqual({ bad, scopes: [] });
    }
    expect(parseScopes('system/Observation.sr').invalid).toEqual(['system/Observation.sr']);
  });

  it('keeps non-clinical scopes apart', () => {
    expect(parseScopes('openid fhirUser launch/patient system/*.rs')).toMatchObject({
      other: ['openid', 'fhirUser', 'launch/patient'],
      invalid: [],
    });
  });

  it('formats scopes back in their own syntax', () => {
    for (const s of ['patient/Observation.read', 'user/*.write', 'system/*.*', 'system/Observation.rs', 'system/Observation.rs?category=vital-signs']) {
      expect(formatScope(parseScope(s)!)).toBe(s);
    }
  });
});

describe('granting scopes (requested ∩ allowed)', () => {
  it('narrows the resource type, the letters and adds restrictions', () => {
    const allowed = scopes('system/*.rs system/Observation.cruds?category=vital-signs');
    expect(formatScopes(grantScopes(scopes('system/Observation.read'), allowed))).toBe('system/Observation.read');
    expect(formatScopes(grantScopes(scopes('system/Observation.cruds'), allowed))).toBe(
      'system/Observation.rs system/Observation.cruds?category=vital-signs',
    );
    expect(formatScopes(grantScopes(scopes('system/*.cruds'), scopes('system/Patient.rs')))).toBe('system/Patient.rs');
    expect(formatScopes(grantScopes(scopes('system/Observation.c'), scopes('system/Observation.rs')))).toBe('');
    expect(formatScopes(grantScopes(scopes('patient/*.rs'), scopes('system/*.rs')))).toBe('');
  });

  it('keeps the requested v1 syntax when the result can be written in it', () => {
    expect(formatScopes(grantScopes(scopes('system/*.read'), scopes('system/*.cruds')))).toBe('system/*.read');
    expect(formatScopes(grantScopes(scopes('system/*.*'), scopes('system/*.rs')))).toBe('system/*.read');
    expect(formatScopes(grantScopes(scopes('system/*.*'), scopes('system/*.r')))).toBe('system/*.r');
  });
});

describe('allows / restrictionsFor / requireScope', () => {
  const granted = scopes('system/Observation.rs?category=vital-signs system/Patient.read user/Task.cu');

  it('maps interactions to letters per type', () => {
    expect(allows(granted, 'read', 'Patient')).toBe(true);
    expect(allows(granted, 'search', 'Patient')).toBe(true);
    expect(allows(granted, 'update', 'Patient')).toBe(false);
    expect(allows(granted, 'create', 'Task')).toBe(true);
    expect(allows(granted, 'delete', 'Task')).toBe(false);
    expect(allows(granted, 'read', 'Condition')).toBe(false);
    expect(allows(scopes('system/*.*'), 'delete', 'Condition')).toBe(true);
    expect(allows(scopes('patient/*.write'), 'read', 'Observation')).toBe(false);
  });

  it('exposes restrictions for the search engine: null when unrestricted, else alternatives', () => {
    expect(restrictionsFor(granted, 'search', 'Observation')).toEqual([[['category', 'vital-signs']]]);
    expect(restrictionsFor(granted, 'search', 'Patient')).toBeNull();
    expect(restrictionsFor([...granted, ...scopes('system/Observation.s')], 'search', 'Observation')).toBeNull();
    expect(restrictionsFor(granted, 'search', 'Condition')).toEqual([]);
  });

  it('throws 403 with an insufficient_scope challenge when the scope is missing', () => {
    const auth: AuthContext = { clientId: 'a', kind: 'system', organization: 'Organization/o', scopes: granted };
    expect(() => requireScope(auth, 'read', 'Observation')).not.toThrow();
    try {
      requireScope(auth, 'delete', 'Observation');
      throw new Error('expected 403');
    } catch (err) {
      expect(err).toBeInstanceOf(FhirError);
      expect((err as FhirError).status).toBe(403);
      expect((err as FhirError).headers['www-authenticate']).toContain('insufficient_scope');
    }
  });

  it('gives the development context every interaction on every type', () => {
    for (const i of ['create', 'read', 'update', 'delete', 'search'] as const) expect(allows(DEVELOPMENT_CONTEXT.scopes, i, 'Observation')).toBe(true);
  });
});

describe('granted scopes without redundancy', () => {
  it('drops a granted scope another one covers', () => {
    expect(formatScopes(grantScopes(scopes('patient/Observation.cruds'), scopes('patient/*.rs patient/Observation.cruds')))).toBe('patient/Observation.cruds');
    expect(formatScopes(grantScopes(scopes('system/Observation.rs system/*.rs'), scopes('system/*.cruds')))).toBe('system/*.rs');
    expect(formatScopes(grantScopes(scopes('system/Observation.rs?category=vital-signs system/Observation.rs'), scopes('system/*.rs')))).toBe(
      'system/Observation.rs',
    );
  });
});
