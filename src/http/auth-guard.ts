import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidTokenError } from '../auth/access-token';
import type { AuthService } from '../auth/auth-service';
import { DEVELOPMENT_CONTEXT, type AuthContext } from '../auth/context';
import type { Clock } from '../clock';
import { tooManyRequests, unauthorized } from '../fhir/outcome';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: set by the auth guard on every guarded /fhir route (see requireAuth). */
    auth?: AuthContext;
  }
}

/** 'off' (KOLIBRI_AUTH=off, loopback only): every guarded request gets DEVELOPMENT_CONTEXT. */
export type AuthGuardOptions = { mode: 'off' } | { mode: 'on'; service: AuthService; clock: Clock };

/** Routes that need no token: the CapabilityStatement and discovery documents. */
export function isGuarded(routeUrl: string): boolean {
  if (routeUrl !== '/fhir' && !routeUrl.startsWith('/fhir/')) return false;
  return routeUrl !== '/fhir/metadata' && !routeUrl.startsWith('/fhir/.well-known/');
}

/**
 * The resource-server guard: every /fhir route but `metadata` and `.well-known/*` needs a valid
 * bearer token (RFC 6750), else 401 with `WWW-Authenticate: Bearer …`; then the client's rate
 * limit applies (429 with Retry-After). Sets `request.auth`. It runs as an onRequest hook —
 * before the body is read — so unauthenticated callers cannot make the server parse bodies.
 */
export function registerAuthGuard(app: FastifyInstance, options: AuthGuardOptions): void {
  app.decorateRequest('auth', undefined);
  // the rate limiter's last counts are written before the pool closes
  if (options.mode === 'on') app.addHook('onClose', () => options.service.rateLimiter.close());
  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    if (url === undefined || !isGuarded(url)) return;
    if (options.mode === 'off') {
      request.auth = DEVELOPMENT_CONTEXT;
      return;
    }
    const token = bearerToken(request);
    if (!token) {
      throw unauthorized('An access token is required (Authorization: Bearer <token>)', { 'www-authenticate': challenge() });
    }
    let auth: AuthContext;
    try {
      auth = await options.service.authenticate(token);
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      throw unauthorized(err.description, { 'www-authenticate': challenge('invalid_token', err.description) });
    }
    const limit = await options.service.rateLimiter.hit(auth.clientId, options.clock.now().getTime());
    if (!limit.allowed) {
      request.log.warn({ clientId: auth.clientId, count: limit.count }, 'rate limit exceeded');
      throw tooManyRequests(`Too many requests for client ${auth.clientId}; retry after ${limit.retryAfterSeconds} s`, limit.retryAfterSeconds);
    }
    request.auth = auth;
    request.log = request.log.child({ clientId: auth.clientId });
  });
}

/** The AuthContext of a guarded request (401 if the guard did not run: a wiring bug). */
export function requireAuth(request: FastifyRequest): AuthContext {
  if (!request.auth) throw unauthorized('No authenticated caller', { 'www-authenticate': challenge() });
  return request.auth;
}

function bearerToken(request: FastifyRequest): string | undefined {
  return bearerFrom(request.headers.authorization);
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750), if it is one. */
export function bearerFrom(header: string | undefined): string | undefined {
  return /^Bearer +([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header ?? '')?.[1];
}

/** RFC 6750 §3 challenge. */
function challenge(error?: string, description?: string): string {
  const parts = ['Bearer realm="kolibri"'];
  if (error) parts.push(`error="${error}"`);
  if (description) parts.push(`error_description="${description.replace(/["\\]/g, "'")}"`);
  return parts.join(', ');
}
