import { newAjv, schemaProblems } from '../json-schema';
import { CLIENT_KINDS } from './context';

/**
 * A client registration as JSON (`POST /admin/clients`, `kolibri clients add`): the shape of
 * each member; the rules between members (scopes by kind, one key source, the citizen's patient,
 * what a key may be) are checkRegistration's. Each description is what the operator is told.
 */
export const REGISTRATION_SCHEMA = {
  type: 'object',
  required: ['clientId', 'kind', 'organization'],
  properties: {
    clientId: { type: 'string', pattern: '^[A-Za-z0-9._~-]{1,128}$', description: '1–128 characters of A-Z a-z 0-9 . _ ~ -' },
    kind: { enum: [...CLIENT_KINDS], description: `one of ${CLIENT_KINDS.join(', ')}` },
    organization: { type: 'string', pattern: '^Organization/[A-Za-z0-9.-]{1,64}$', description: 'a reference Organization/<id>' },
    patient: {},
    scopes: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'at least one, e.g. system/Observation.rs' },
    jwks: { type: 'object', description: 'a JWK Set {"keys": [...]} with at least one key' },
    jwksUri: { type: 'string', format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', description: 'an http(s) URL' },
    name: { type: 'string', maxLength: 200, description: 'a string of at most 200 characters' },
  },
} as const;

const validate = newAjv().compile(REGISTRATION_SCHEMA);

/** What is wrong with the shape of a registration, one problem per member (empty when none). */
export function registrationShapeProblems(input: unknown): string[] {
  return validate(input) ? [] : schemaProblems(REGISTRATION_SCHEMA, validate.errors);
}
