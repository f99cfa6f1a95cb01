import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FhirError, operationOutcome } from '../fhir/outcome';
import type { Issue } from '../fhir/issue';
import { FHIR_JSON } from './content-type';
import { withoutEmpty } from './reply';

/** Retry-After of a 503 that did not say how long to wait (e.g. an audit record that could not be written). */
const DEFAULT_RETRY_AFTER_SECONDS = '5';

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
    // a 503 is temporary by definition: tell the client when to come back
    if (status === 503 && !Object.keys(headers).some((h) => h.toLowerCase() === 'retry-after')) {
      headers = { ...headers, 'retry-after': DEFAULT_RETRY_AFTER_SECONDS };
    }
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ status, code: issues[0]?.code }, 'request rejected');
    sendOutcome(reply, status, issues, headers);
  });

  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .type(FHIR_JSON)
      .send(JSON.stringify(operationOutcome([{ severity: 'error', code: 'not-found', diagnostics: `No route for ${request.method} ${request.url.split('?')[0]}` }])));
  });
}

function sendOutcome(reply: FastifyReply, status: number, issues: Issue[], headers: Record<string, string> = {}): void {
  void reply.status(status).headers(headers).type(FHIR_JSON).send(JSON.stringify(withoutEmpty(operationOutcome(issues))));
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any handler or hook runs (a path
 * whose percent-encoding is not UTF-8, a path parameter over maxParamLength) would otherwise
 * answer Fastify's own JSON, not an OperationOutcome.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    request.log.info({ status: error.statusCode, code: error.code }, 'request rejected by the router');
    return sendOutcome(reply, error.statusCode, [{ severity: 'error', code: 'invalid', diagnostics: `The request URL cannot be routed (${error.code})` }]);
  }
  request.log.error({ err: error }, 'router failed');
  sendOutcome(reply, 500, [{ severity: 'error', code: 'exception', diagnostics: `Internal server error (request id ${request.id})` }]);
}
