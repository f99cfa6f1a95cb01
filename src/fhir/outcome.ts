import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Issue, IssueCode } from './issue';

/**
 * The one error type of the FHIR layer: an HTTP status and the OperationOutcome issues that
 * explain it. The status is always explicit, never inferred from the issues.
 */
export class FhirError extends Error {
  readonly status: number;
  readonly issues: Issue[];
  readonly headers: Record<string, string>;

  constructor(status: number, issues: Issue[], headers: Record<string, string> = {}) {
    super(issues.map((i) => i.diagnostics).join('; ') || `HTTP ${status}`);
    this.name = 'FhirError';
    this.status = status;
    this.issues = issues;
    this.headers = headers;
  }
}

function one(status: number, code: IssueCode, diagnostics: string, expression?: string[]): FhirError {
  return new FhirError(status, [{ severity: 'error', code, diagnostics, ...(expression ? { expression } : {}) }]);
}

/** Malformed request: bad JSON, bad parameter, wrong content. */
export const badRequest = (diagnostics: string, expression?: string[]): FhirError =>
  one(400, 'invalid', diagnostics, expression);
export const unauthorized = (diagnostics: string, headers: Record<string, string> = {}): FhirError =>
  new FhirError(401, [{ severity: 'error', code: 'login', diagnostics }], headers);
export const forbidden = (diagnostics: string): FhirError => one(403, 'forbidden', diagnostics);
export const notFound = (diagnostics: string): FhirError => one(404, 'not-found', diagnostics);
export const methodNotAllowed = (diagnostics: string, allow: string[]): FhirError =>
  new FhirError(405, [{ severity: 'error', code: 'not-supported', diagnostics }], { allow: allow.join(', ') });
export const notAcceptable = (diagnostics: string): FhirError => one(406, 'not-supported', diagnostics);
export const conflict = (diagnostics: string): FhirError => one(409, 'conflict', diagnostics);
export const gone = (diagnostics: string, headers: Record<string, string> = {}): FhirError =>
  new FhirError(410, [{ severity: 'error', code: 'deleted', diagnostics }], headers);
export const preconditionFailed = (diagnostics: string): FhirError => one(412, 'conflict', diagnostics);
export const payloadTooLarge = (diagnostics: string): FhirError => one(413, 'too-long', diagnostics);
export const unsupportedMediaType = (diagnostics: string): FhirError => one(415, 'not-supported', diagnostics);
/** Well-formed JSON that is not a valid resource (or fails a profile). */
export const unprocessable = (issues: Issue[]): FhirError => new FhirError(422, issues);
export const tooManyRequests = (diagnostics: string, retryAfterSeconds: number): FhirError =>
  new FhirError(429, [{ severity: 'error', code: 'throttled', diagnostics }], {
    'retry-after': String(retryAfterSeconds),
  });
export const notImplemented = (diagnostics: string): FhirError => one(501, 'not-supported', diagnostics);
/**
 * A well-formed request for something this server does not do (a GET of metadata inside a
 * bundle): the request's shape, not the server, is what cannot be served — a 4xx, as no
 * request a client makes may answer 5xx.
 */
export const notSupported = (diagnostics: string): FhirError => one(400, 'not-supported', diagnostics);
export const serviceUnavailable = (diagnostics: string): FhirError => one(503, 'transient', diagnostics);

/** Render issues as an OperationOutcome resource. */
export function operationOutcome(issues: Issue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity: i.severity,
      code: i.code,
      diagnostics: i.diagnostics,
      ...(i.expression && i.expression.length ? { expression: i.expression } : {}),
    })),
  };
}

/** An informational outcome for successful operations (e.g. Prefer: return=OperationOutcome). */
export function informational(diagnostics: string): OperationOutcome {
  return operationOutcome([{ severity: 'information', code: 'informational', diagnostics }]);
}
