import type { FastifyInstance } from 'fastify';
import { InvalidTokenError } from '../../auth/access-token';
import type { AuthService } from '../../auth/auth-service';

/** Where FUT clients list their contexts, relative to the issuer (the server root here too). */
export const CONTEXTS_PATH = '/resource/ehealth-connect/contexts';

/**
 * `GET /resource/ehealth-connect/contexts` with a bearer token: the contexts the caller may
 * choose with the token endpoint's `refresh_token` grant, as JSON in the national
 * infrastructure's shape (not FHIR, like the OAuth endpoints). An unusable token is 401.
 */
export function registerContextsRoute(app: FastifyInstance, service: AuthService): void {
  app.get(CONTEXTS_PATH, async (request, reply) => {
    const json = (status: number, body: unknown) =>
      reply.status(status).header('cache-control', 'no-store').type('application/json').send(body);
    const m = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
    const refuse = (description: string) => {
      reply.header('www-authenticate', `Bearer realm="kolibri", error="invalid_token", error_description="${description}"`);
      return json(401, { error: 'invalid_token', error_description: description });
    };
    if (!m) return refuse('a bearer token is required');
    let auth;
    try {
      auth = await service.authenticate(m[1]);
    } catch (err) {
      if (err instanceof InvalidTokenError) return refuse(err.description);
      throw err;
    }
    return json(200, await service.contexts(auth));
  });
}
