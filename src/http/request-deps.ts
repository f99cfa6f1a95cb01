import type { FastifyRequest } from 'fastify';
import { RequestAudit } from '../audit/request-audit';
import { forRequest, type InteractionDeps, type SharedDeps } from '../interactions/types';
import { requireAuth } from './auth-guard';

const DEPS = Symbol('kolibriDeps');
const AUDIT = Symbol('kolibriAudit');

interface Holder {
  [DEPS]?: InteractionDeps;
  [AUDIT]?: RequestAudit;
}

/**
 * The interaction deps of one request: the shared parts plus an Access for the caller the auth
 * guard identified (401 if none). Made once per request, so everything the request does (a
 * transaction's entries included) records what it touched in one place, for the AuditEvent.
 * Its store adds the request's audit record to every write transaction before it commits.
 */
export function requestDeps(req: FastifyRequest, shared: SharedDeps): InteractionDeps {
  const holder = req as unknown as Holder;
  if (holder[DEPS]) return holder[DEPS];
  const deps = forRequest(shared, requireAuth(req));
  const audit = new RequestAudit(
    {
      requestId: String(req.id),
      method: req.method,
      route: req.routeOptions.url ?? req.url,
      url: req.url,
      type: (req.params as { type?: string } | undefined)?.type,
    },
    deps.trail,
    shared.clock,
  );
  deps.store = deps.store.withAudit((changes) => audit.prepare(changes));
  holder[AUDIT] = audit;
  return (holder[DEPS] = deps);
}

/** The audit of a request that used its deps, if any (for the audit hook after the response). */
export function requestAudit(req: FastifyRequest): RequestAudit | undefined {
  return (req as unknown as Holder)[AUDIT];
}
