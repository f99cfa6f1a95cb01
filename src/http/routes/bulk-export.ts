import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { exportCancel, exportFile, exportKickOff, exportStatus, type ExportRequestDeps } from '../../interactions/export/export-requests';
import { exportBodyParams } from '../../interactions/export/export-body';
import type { ExportParams } from '../../interactions/export/export-params';
import type { SharedDeps } from '../../interactions/types';
import { requestDeps } from '../request-deps';
import { sendResult } from '../reply';

/**
 * Bulk Data export (https://hl7.org/fhir/uv/bulkdata/export.html): kick-off at system, Patient
 * and Group level (GET with a query, or POST with a Parameters body), then the status URL (poll, DELETE to cancel) and the NDJSON files it lists.
 * Status and files live under /fhir, so the auth guard asks for the token of the client that
 * started the export.
 */
export function registerBulkExport(app: FastifyInstance, shared: SharedDeps, exp: ExportRequestDeps): void {
  const kickOff = (level: ExportParams['level']) => async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.url.indexOf('?');
    const query = q < 0 ? [] : [...new URLSearchParams(req.url.slice(q + 1))];
    // POST: the parameters come as a Parameters body instead (the query may only carry _format)
    const params = req.method === 'POST' ? exportBodyParams(req.body, query.some(([name]) => name !== '_format')) : query;
    const groupId = (req.params as { id?: string }).id;
    const url = `${shared.baseUrl}${req.url.slice('/fhir'.length)}`;
    return sendResult(req, reply, await exportKickOff(requestDeps(req, shared), exp, { level, groupId, params, prefer: req.headers.prefer, url }));
  };
  for (const [url, level] of [
    ['/fhir/$export', 'system'],
    ['/fhir/Patient/$export', 'patient'],
    ['/fhir/Group/:id/$export', 'group'],
  ] as const) {
    app.route({ method: ['GET', 'POST'], url, handler: kickOff(level) });
  }

  const jobId = (req: FastifyRequest) => (req.params as { job: string }).job;
  app.get('/fhir/$export-status/:job', async (req, reply) => {
    const result = await exportStatus(requestDeps(req, shared), exp, jobId(req));
    // the manifest is plain JSON, not a FHIR resource
    if (result.status === 200) return reply.status(200).headers(result.headers ?? {}).type('application/json').send(result.body);
    return sendResult(req, reply, result);
  });
  app.delete('/fhir/$export-status/:job', async (req, reply) => sendResult(req, reply, await exportCancel(requestDeps(req, shared), exp, jobId(req))));
  app.get('/fhir/$export-file/:job/:file', async (req, reply) => {
    const stream = await exportFile(requestDeps(req, shared), exp, jobId(req), (req.params as { file: string }).file);
    return reply.type('application/fhir+ndjson').send(stream);
  });
}
