// https://hl7.org/fhir/R4/http.html#transaction-response
import { STATUS_CODES } from 'node:http';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { FhirError, operationOutcome } from '../fhir/outcome';
import type { Issue } from '../fhir/issue';
import { bundleJson, type BundleEntryText } from './bundle-json';
import type { EntryOutcome } from './transaction-execute';
import type { InteractionResult } from './types';

/** `201 Created`: Bundle.entry.response.status carries the code and, optionally, its text. */
export function statusText(status: number): string {
  const text = STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}

/**
 * An entry's error, named by its position: diagnostics say "entry 10 (Bundle.entry[9])" (the
 * spec's FHIRPath is 0-based, people count from 1) and expressions are rebased onto the entry.
 */
export function entryError(err: FhirError, index: number, total: number, where: { method: string; url: string; resourceType?: string }): FhirError {
  const prefix = `Bundle.entry[${index}]`;
  const issues = err.issues.map((issue): Issue => ({
    ...issue,
    diagnostics: `Entry ${index + 1} of ${total} (${prefix}, ${where.method} ${where.url}): ${issue.diagnostics}`,
    expression: [prefix, ...(issue.expression ?? []).map((e) => rebase(e, prefix, where.resourceType))],
  }));
  const { allow: _allow, ...headers } = err.headers;
  return new FhirError(err.status, issues, headers);
}

/** `Observation.status` in entry 9's resource → `Bundle.entry[9].resource.status`. */
function rebase(expression: string, prefix: string, resourceType: string | undefined): string {
  if (resourceType && (expression === resourceType || expression.startsWith(`${resourceType}.`) || expression.startsWith(`${resourceType}[`))) {
    return `${prefix}.resource${expression.slice(resourceType.length)}`;
  }
  return expression;
}

/** One response entry from the result of the entry's interaction. */
export function responseEntry(outcome: EntryOutcome, options: { minimal: boolean }): BundleEntryText {
  const { result, version } = outcome;
  const headers = result.headers ?? {};
  const resourceJson = !options.minimal && typeof result.body === 'string' ? result.body : undefined;
  const outcomeBody = result.body !== undefined && typeof result.body !== 'string' ? result.body : undefined;
  const response: Record<string, unknown> = { status: statusText(result.status) };
  const location = headers.location ?? headers['content-location'];
  if (location) response.location = location;
  if (headers.etag) response.etag = headers.etag;
  if (version && !version.deleted) response.lastModified = version.lastUpdated;
  if (outcomeBody) response.outcome = outcomeBody;
  return {
    fields: {
      ...(version && !version.deleted ? { fullUrl: fullUrlOf(location, version) } : {}),
      response,
    },
    resourceJson,
  };
}

/** The response entry of a failed batch entry. */
export function errorEntry(err: FhirError): BundleEntryText {
  const outcome: OperationOutcome = operationOutcome(err.issues);
  return { fields: { response: { status: statusText(err.status), outcome } } };
}

function fullUrlOf(location: string | undefined, v: { resourceType: string; id: string }): string {
  return location ? location.replace(/\/_history\/[^/]+$/, '') : `${v.resourceType}/${v.id}`;
}

/** The transaction-response or batch-response Bundle, entries in the request's order. */
export function responseBundle(type: 'transaction-response' | 'batch-response', entries: readonly BundleEntryText[]): InteractionResult {
  return { status: 200, body: bundleJson({ type }, entries) };
}
