// https://hl7.org/fhir/R4/capabilitystatement-definitions.html#CapabilityStatement.rest.security
import type { CapabilityStatement, CapabilityStatementRest, CapabilityStatementRestSecurity } from '@medplum/fhirtypes';
import { everyRowVisible } from './write-access';
import { authUrls } from '../auth/smart-configuration';

export interface SecurityFacts {
  /** KOLIBRI_AUTH as the server runs: 'off' checks no token. */
  auth: 'on' | 'off';
  /** Whether browser apps get CORS headers (http/cors.ts). */
  cors: boolean;
}

/**
 * rest.security as the server really behaves. With authentication on: SMART on FHIR, the OAuth
 * endpoints as the smart-app-launch IG's oauth-uris extension and a pointer to the discovery
 * document (https://hl7.org/fhir/smart-app-launch/conformance.html). With it off, no service:
 * a client that reads SMART here would fetch tokens nobody checks.
 */
export function restSecurity(baseUrl: string, facts: SecurityFacts): CapabilityStatementRestSecurity {
  if (facts.auth === 'off') {
    return {
      cors: facts.cors,
      description: 'Authentication is off (KOLIBRI_AUTH=off, local development only): every request has full access without a token.',
    };
  }
  const urls = authUrls(baseUrl);
  return {
    cors: facts.cors,
    service: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
        text: 'OAuth2 bearer tokens (SMART Backend Services, private_key_jwt; refresh_token grant with context parameters)',
      },
    ],
    description:
      `Every request except metadata and .well-known needs a bearer token. Discovery: ${baseUrl}/.well-known/smart-configuration. ` +
      'Client kinds: system (an organization), clinician (a care team), citizen (one patient), operator (definitions and the Organization directory). ' +
      'A client reads and writes the data of the patients its care relationships reach and its organization\'s own records; what it may not see answers as what does not exist. ' +
      `Clinician and citizen clients choose their context as in the Danish national infrastructure: GET ${urls.issuer}/resource/ehealth-connect/contexts lists it, ` +
      'grant_type=refresh_token with organization_id, care_team_id, patient_id and episode_of_care_id sets it; a search contradicting the context is 403.',
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'token', valueUri: urls.tokenUrl },
          { url: 'introspect', valueUri: urls.introspectionUrl },
        ],
      },
    ],
  };
}

/**
 * The statement with `security` on its server rest entry. With authentication on, a token
 * client creates at a chosen id only for types of which it sees every row (write-access.ts):
 * `updateCreate` says so per type.
 */
export function withSecurity(statement: CapabilityStatement, security: CapabilityStatementRestSecurity, auth: 'on' | 'off' = 'off'): CapabilityStatement {
  const resources = (rest: CapabilityStatementRest) =>
    auth === 'on' ? rest.resource?.map((r) => (r.updateCreate ? { ...r, updateCreate: everyRowVisible(r.type as string) } : r)) : rest.resource;
  return { ...statement, rest: statement.rest?.map((rest) => (rest.mode === 'server' ? { ...rest, security, resource: resources(rest) } : rest)) };
}
