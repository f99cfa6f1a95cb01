import type { FastifyInstance } from 'fastify';
import { interactionOf, maskCpr, type AuditRecord } from '../audit/record';
import type { Clock } from '../clock';
import { serviceUnavailable } from '../fhir/outcome';
import { usedDeps } from './request-deps';

export interface AuditSink {
  record(record: AuditRecord): Promise<void>;
}

/**
 * Every /fhir request that touched patient data leaves an audit record, written before the
 * response is sent: a response the client received was audited. If the record cannot be
 * written, the client gets a 503 instead of unaudited data. Reading the audit log itself
 * (AuditEvent) is not audited again.
 */
export function registerAuditHook(app: FastifyInstance, sink: AuditSink, clock: Clock): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const deps = usedDeps(request);
    if (!deps) return payload;
    const { access } = deps;
    if (access.touched.size === 0 && access.touchedRids.length === 0) return payload;
    const route = request.routeOptions.url ?? request.url;
    const type = (request.params as { type?: string } | undefined)?.type;
    const { interaction, action } = interactionOf(request.method, route);
    if (type === 'AuditEvent' && action === 'R') return payload;
    const q = request.url.indexOf('?');
    const auth = access.auth;
    try {
      await sink.record({
        recorded: clock.now().toISOString(),
        requestId: String(request.id),
        clientId: auth.clientId,
        clientKind: auth.kind,
        organization: auth.organization,
        practitioner: auth.practitioner,
        careTeam: auth.careTeam,
        interaction,
        action,
        status: reply.statusCode,
        method: request.method,
        path: maskCpr(q < 0 ? request.url : request.url.slice(0, q)),
        query: q < 0 ? undefined : maskCpr(decodeURIComponentSafe(request.url.slice(q + 1))),
        patients: [...access.touched],
        rids: [...access.touchedRids],
      });
    } catch (err) {
      request.log.error({ err }, 'audit record could not be written');
      throw serviceUnavailable('The request could not be audited; nothing was returned. Retry later.');
    }
    return payload;
  });
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
