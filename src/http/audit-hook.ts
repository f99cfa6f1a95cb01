import type { FastifyInstance } from 'fastify';
import type { AuditRecord } from '../audit/record';
import { serviceUnavailable } from '../fhir/outcome';
import { requestAudit } from './request-deps';

export interface AuditSink {
  /** Resolves once the record is committed. */
  record(record: AuditRecord): Promise<void>;
}

/**
 * Every /fhir request that touched patient data leaves an audit record, committed before the
 * response is sent: a response the client received was audited. Writes commit theirs with the
 * data (src/audit/request-audit.ts); this hook writes the rest (reads, searches, refused
 * accesses) through the sink, which group-commits the records of concurrent requests. If a
 * record cannot be written, the client gets a 503 instead of unaudited data.
 */
export function registerAuditHook(app: FastifyInstance, sink: AuditSink): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const records = requestAudit(request)?.leftover(reply.statusCode) ?? [];
    if (records.length === 0) return payload;
    try {
      await Promise.all(records.map((record) => sink.record(record)));
    } catch (err) {
      request.log.error({ err }, 'audit record could not be written');
      throw serviceUnavailable('The request could not be audited; nothing was returned. Retry later.');
    }
    return payload;
  });
}
