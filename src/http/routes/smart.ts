import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidTokenError } from '../../auth/access-token';
import type { AuthService } from '../../auth/auth-service';
import { OAuthError } from '../../auth/oauth-error';
import { maskCpr } from '../../audit/cpr';
import { FhirError } from '../../fhir/outcome';
import { FORM_PAIRS } from '../content-type';

/**
 * An OAuth form: text parameters only (a body that is not a form fails here, answered
 * invalid_request). Which parameters a grant needs, and in which combination, the token endpoint
 * decides, each with its own OAuth error code.
 */
const form = (parameters: Record<string, string>) => ({
  type: 'object',
  properties: Object.fromEntries(Object.entries(parameters).map(([name, description]) => [name, { type: 'string', description }])),
  additionalProperties: { type: 'string' },
});

/** `POST /auth/token` (RFC 6749 §4.4.2, RFC 7523 §2.2, SMART Backend Services). */
const TOKEN_FORM = form({
  grant_type: 'client_credentials',
  client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  client_assertion: 'the signed JWT naming the client',
  scope: 'the requested scopes, space-separated',
  client_id: 'optional; must be the assertion\'s client',
});

/** `POST /auth/introspect` (RFC 7662 §2.1). */
const INTROSPECTION_FORM = form({ token: 'the access token to introspect', token_type_hint: 'optional' });

/**
 * The authorization server's HTTP face: discovery (`/fhir/.well-known/smart-configuration`),
 * the server's public keys (`/.well-known/jwks.json`, also under `/fhir`), the token endpoint
 * (`POST /auth/token`, SMART Backend Services) and introspection (`POST /auth/introspect`,
 * RFC 7662). OAuth endpoints answer OAuth JSON errors, not OperationOutcomes.
 */
export function registerSmartRoutes(app: FastifyInstance, service: AuthService): void {
  const json = (reply: FastifyReply, body: unknown, status = 200) =>
    reply.status(status).header('cache-control', 'no-store').header('pragma', 'no-cache').type('application/json').send(body);

  app.get('/fhir/.well-known/smart-configuration', async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=3600').type('application/json').send(service.smartConfiguration()),
  );
  const jwks = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply.header('cache-control', 'public, max-age=300').type('application/json').send(await service.jwks());
  app.get('/.well-known/jwks.json', jwks);
  app.get('/fhir/.well-known/jwks.json', jwks);

  // Anything that goes wrong before or around an OAuth endpoint is an OAuth error too.
  const oauthErrors = (error: FastifyError | FhirError | OAuthError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof OAuthError) {
      // The reason may name what the client sent, e.g. 'Patient/0101504321 does not exist': no CPR number reaches the log.
      request.log.info({ error: error.error, reason: maskCpr(error.description) }, 'oauth request refused');
      if (error.status === 401) reply.header('www-authenticate', 'Bearer realm="kolibri"');
      return json(reply, error.toJSON(), error.status);
    }
    const status = error instanceof FhirError ? error.status : (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return json(reply, { error: 'invalid_request', error_description: 'send application/x-www-form-urlencoded parameters' }, 400);
    }
    request.log.error({ err: error }, 'oauth request failed');
    return json(reply, { error: 'server_error', error_description: `internal error (request id ${request.id})` }, 500);
  };

  app.post('/auth/token', { errorHandler: oauthErrors, schema: { body: TOKEN_FORM } }, async (request, reply) => {
    const { response, summary } = await service.token(formOf(request));
    request.log.info({ clientId: summary.clientId, scope: summary.scope, tokenId: summary.tokenId }, 'access token issued');
    return json(reply, response);
  });

  // RFC 7662 §2.1: the caller must be authorized — the operator, or a system client's token
  // (an API gateway or another resource server registered as a system client).
  app.post('/auth/introspect', { errorHandler: oauthErrors, schema: { body: INTROSPECTION_FORM } }, async (request, reply) => {
    if (!(await mayIntrospect(service, request.headers.authorization))) {
      reply.header('www-authenticate', 'Bearer realm="kolibri"');
      return json(reply, { error: 'invalid_client', error_description: 'introspection needs the admin token or a system client token' }, 401);
    }
    const token = formOf(request).token;
    if (!token) throw new OAuthError('invalid_request', 'token is required');
    return json(reply, await service.introspect(token));
  });
}

/**
 * The parameters of an OAuth request, each given once. The token and introspection endpoints
 * take `application/x-www-form-urlencoded` only (RFC 6749 §4.4.2 and §3.2, RFC 7662 §2.1): a JSON
 * body is `invalid_request`, never read as parameters. A parameter given twice is
 * `invalid_request` too (RFC 6749 §3.1: "Request and response parameters MUST NOT be included
 * more than once"): which of two grant_types or assertions would count is the caller's guess.
 */
function formOf(request: FastifyRequest): Record<string, string> {
  const pairs = (request.body as { [FORM_PAIRS]?: Array<[string, string]> } | undefined)?.[FORM_PAIRS];
  if (!pairs) throw new OAuthError('invalid_request', 'send application/x-www-form-urlencoded parameters');
  const form: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of pairs) {
    if (name in form) throw new OAuthError('invalid_request', `the parameter ${name.slice(0, 64)} is given more than once`);
    form[name] = value;
  }
  return form;
}

async function mayIntrospect(service: AuthService, authorization: string | undefined): Promise<boolean> {
  if (service.admin?.accepts(authorization)) return true;
  const m = /^Bearer +(\S+)$/i.exec(authorization ?? '');
  if (!m) return false;
  try {
    return (await service.authenticate(m[1])).kind === 'system';
  } catch (err) {
    if (err instanceof InvalidTokenError) return false;
    throw err;
  }
}
