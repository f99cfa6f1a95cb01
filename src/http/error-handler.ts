import type { FastifyError, FastifyInstance } from 'fastify';
import { FhirError, operationOutcome } from '../fhir/outcome';
import type { Issue } from '../fhir/issue';
import { FHIR_JSON } from './content-type';
import { withoutEmpty } from './reply';

/**
 * One place where every failure becomes an OperationOutcome: FhirErrors keep their status,
 * Fastify's own client errors (body too large, bad media type, bad params) map to their 4xx,
 * and anything else is a 500 with a generic message and the request id (the details go to the
 * log, never to the client).
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | FhirError, request, reply) => {
    let status: number;
    let issues: Issue[];
    let headers: Record<string, string> = {};
    if (error instanceof FhirError) {
      status = error.status;
      issues = error.issues;
      headers = error.headers;
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      issues = [{ severity: 'error', code: 'too-long', diagnostics: 'The request body is larger than this server accepts (MAX_BODY_BYTES)' }];
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      issues = [{ severity: 'error', code: 'not-supported', diagnostics: 'Unsupported Content-Type; send application/fhir+json' }];
    } else if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      status = 400;
      issues = [{ severity: 'error', code: 'invalid', diagnostics: error.message }];
    } else if (error.validation) {
      status = 400;
      issues = [{ severity: 'error', code: 'invalid', diagnostics: `Invalid request: ${error.message}` }];
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      issues = [{ severity: 'error', code: 'invalid', diagnostics: error.message }];
    } else {
      status = 500;
      issues = [{ severity: 'error', code: 'exception', diagnostics: `Internal server error (request id ${request.id})` }];
    }
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ status, code: issues[0]?.code }, 'request rejected');
    void reply.status(status).headers(headers).type(FHIR_JSON).send(JSON.stringify(withoutEmpty(operationOutcome(issues))));
  });

  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .type(FHIR_JSON)
      .send(JSON.stringify(operationOutcome([{ severity: 'error', code: 'not-found', diagnostics: `No route for ${request.method} ${request.url.split('?')[0]}` }])));
  });
}
