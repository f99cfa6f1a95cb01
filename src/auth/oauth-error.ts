/**
 * OAuth 2.0 error responses (RFC 6749 §5.2): the token and introspection endpoints are not FHIR
 * endpoints, so their errors are `{ error, error_description }` JSON, not OperationOutcomes.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';

/** HTTP status per code: invalid_client is 401 (the client failed to authenticate), others 400. */
const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
};

export class OAuthError extends Error {
  readonly status: number;

  constructor(readonly error: OAuthErrorCode, readonly description: string) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
    this.status = STATUS[error];
  }

  /** The response body. Descriptions never contain the assertion or token. */
  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
