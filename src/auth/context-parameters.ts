import { FUT_CONTEXT_MEMBERS, type FutContextMember } from './fut-claims';
import { isReferenceTo } from './context';
import { OAuthError } from './oauth-error';

/** The context a `refresh_token` grant asks for, each a 'Type/id' reference. */
export type RequestedContext = Partial<Record<FutContextMember, string>>;

const BARE_ID = /^[A-Za-z0-9.-]{1,64}$/;

/**
 * Read the context parameters of a `refresh_token` grant as FUT clients send them
 * (`organization_id`, `care_team_id`, `patient_id`, `episode_of_care_id`): an absolute URL on
 * this server's FHIR base (`<base>/CareTeam/42`), a relative reference (`CareTeam/42`) or a bare
 * id. Anything else — an URL on another server, a reference to another type — is
 * `invalid_request`; whether the context exists or may be taken is decided later, alike.
 */
export function readContextParameters(form: Record<string, string | undefined>, baseUrl: string): RequestedContext {
  const requested: RequestedContext = {};
  for (const [member, type] of Object.entries(FUT_CONTEXT_MEMBERS) as Array<[FutContextMember, string]>) {
    const value = form[member];
    if (value === undefined || value === '') continue;
    const reference = toReference(value, type, baseUrl);
    if (!reference) throw new OAuthError('invalid_request', `${member} must be ${baseUrl}/${type}/<id>, ${type}/<id> or an id`);
    requested[member] = reference;
  }
  return requested;
}

function toReference(value: string, type: string, baseUrl: string): string | undefined {
  const local = value.startsWith(`${baseUrl}/`) ? value.slice(baseUrl.length + 1) : value;
  if (isReferenceTo(local, type)) return local;
  return BARE_ID.test(local) && !value.includes('/') ? `${type}/${local}` : undefined;
}
