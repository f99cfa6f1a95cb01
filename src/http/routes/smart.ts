import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidTokenError } from '../../auth/access-token';
import type { AuthService } from '../../auth/auth-service';
import { OAuthError } from '../../auth/oauth-error';
import { FhirError } from '../../fhir/outcome';

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
      request.log.info({ error: error.error, reason: error.description }, 'oauth request refused');
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

  app.post('/auth/token', { errorHandler: oauthErrors }, async (request, reply) => {
    const { response, summary } = await service.token(formOf(request));
    request.log.info({ clientId: summary.clientId, scope: summary.scope, tokenId: summary.tokenId }, 'access token issued');
    return json(reply, response);
  });

  // RFC 7662 §2.1: the caller must be authorized — the operator, or a system client's token
  // (an API gateway or another resource server registered as a system client).
  app.post('/auth/introspect', { errorHandler: oauthErrors }, async (request, reply) => {
    if (!(await mayIntrospect(service, request.headers.authorization))) {
      reply.header('www-authenticate', 'Bearer realm="kolibri"');
      return json(reply, { error: 'invalid_client', error_description: 'introspection needs the admin token or a system client token' }, 401);
    }
    const token = formOf(request).token;
    if (!token) throw new OAuthError('invalid_request', 'token is required');
    return json(reply, await service.introspect(token));
  });
}

/** Form parameters as strings (anything else is dropped). */
function formOf(request: FastifyRequest): Record<string, string | undefined> {
  const body = request.body;
  if (typeof body !== 'object' || body === null) throw new OAuthError('invalid_request', 'send application/x-www-form-urlencoded parameters');
  return Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
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
