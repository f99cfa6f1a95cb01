import type { FastifyInstance } from 'fastify';
import { InvalidTokenError } from '../../auth/access-token';
import type { AuthService } from '../../auth/auth-service';
import type { AuthContext } from '../../auth/context';
import type { AuditRecord } from '../../audit/record';
import type { Clock } from '../../clock';
import type { AuditSink } from '../audit-hook';

/** Where FUT clients list their contexts, relative to the issuer (the server root here too). */
export const CONTEXTS_PATH = '/resource/ehealth-connect/contexts';

export interface ContextsRouteDeps {
  service: AuthService;
  /** The listing names patients in the caller's care: it is audited like a search. */
  audit: AuditSink;
  clock: Clock;
}

/**
 * `GET /resource/ehealth-connect/contexts` with a bearer token: the contexts the caller may
 * choose with the token endpoint's `refresh_token` grant, as JSON in the national
 * infrastructure's shape (not FHIR, like the OAuth endpoints). An unusable token is 401. The
 * patients listed get an AuditEvent each (a read by this client) before the answer is sent.
 */
export function registerContextsRoute(app: FastifyInstance, deps: ContextsRouteDeps): void {
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
      auth = await deps.service.authenticate(m[1]);
    } catch (err) {
      if (err instanceof InvalidTokenError) return refuse(err.description);
      throw err;
    }
    const listed = await deps.service.contexts(auth);
    const patients = ((listed.patients ?? []) as Array<{ id: string }>).map((p) => p.id);
    if (patients.length) {
      try {
        await deps.audit.record(auditRecord(auth, request.id, patients, deps.clock));
      } catch (err) {
        request.log.error({ err }, 'audit record could not be written');
        return json(503, { error: 'temporarily_unavailable', error_description: 'The request could not be audited; nothing was returned. Retry later.' });
      }
    }
    return json(200, listed);
  });
}

function auditRecord(auth: AuthContext, requestId: string, patients: string[], clock: Clock): AuditRecord {
  return {
    recorded: clock.now().toISOString(),
    requestId,
    clientId: auth.clientId,
    clientKind: auth.kind,
    organization: auth.organization,
    practitioner: auth.practitioner,
    careTeam: auth.careTeam,
    interaction: 'search-system',
    action: 'R',
    status: 200,
    method: 'GET',
    path: CONTEXTS_PATH,
    patients,
    rids: [],
    refused: false,
  };
}
