import type { FastifyRequest } from 'fastify';
import { forRequest, type InteractionDeps, type SharedDeps } from '../interactions/types';
import { requireAuth } from './auth-guard';

const DEPS = Symbol('kolibriDeps');

/**
 * The interaction deps of one request: the shared parts plus an Access for the caller the auth
 * guard identified (401 if none). Made once per request, so everything the request does (a
 * transaction's entries included) records what it touched in one place, for the AuditEvent.
 */
export function requestDeps(req: FastifyRequest, shared: SharedDeps): InteractionDeps {
  const holder = req as unknown as { [DEPS]?: InteractionDeps };
  return (holder[DEPS] ??= forRequest(shared, requireAuth(req)));
}

/** The deps a request used, if any (for the audit hook after the response). */
export function usedDeps(req: FastifyRequest): InteractionDeps | undefined {
  return (req as unknown as { [DEPS]?: InteractionDeps })[DEPS];
}
