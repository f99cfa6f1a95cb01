/** The server's OAuth URLs, all derived from the FHIR base URL. */
export interface AuthUrls {
  /** `iss` of access tokens: the server root (the FHIR base without `/fhir`). */
  issuer: string;
  /** `aud` of access tokens: the FHIR base URL. */
  audience: string;
  tokenUrl: string;
  introspectionUrl: string;
  jwksUrl: string;
}

/** Where the OAuth endpoints live for a FHIR base URL such as `https://kolibri.example.dk/fhir`. */
export function authUrls(baseUrl: string): AuthUrls {
  const root = baseUrl.replace(/\/+$/, '').replace(/\/fhir$/, '');
  return {
    issuer: root,
    audience: baseUrl.replace(/\/+$/, ''),
    tokenUrl: `${root}/auth/token`,
    introspectionUrl: `${root}/auth/introspect`,
    jwksUrl: `${root}/.well-known/jwks.json`,
  };
}

/**
 * `GET /fhir/.well-known/smart-configuration`
 * (https://hl7.org/fhir/smart-app-launch/conformance.html#using-well-known): what a vendor app
 * needs, with only its private key, to obtain a token.
 */
export function smartConfiguration(urls: AuthUrls): Record<string, unknown> {
  return {
    issuer: urls.issuer,
    jwks_uri: urls.jwksUrl,
    token_endpoint: urls.tokenUrl,
    introspection_endpoint: urls.introspectionUrl,
    grant_types_supported: ['client_credentials', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    scopes_supported: [
      'system/*.cruds',
      'system/*.rs',
      'system/*.read',
      'system/*.write',
      'user/*.cruds',
      'user/*.rs',
      'user/*.read',
      'patient/*.cruds',
      'patient/*.rs',
      'patient/*.read',
    ],
    capabilities: ['client-confidential-asymmetric', 'permission-v1', 'permission-v2', 'permission-patient', 'permission-user'],
  };
}
