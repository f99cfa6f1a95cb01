import type { FastifyReply, FastifyRequest } from 'fastify';
import { informational } from '../fhir/outcome';
import type { InteractionResult } from '../interactions/types';
import { isFhirJson, negotiateFormat } from './content-type';

/**
 * Send an interaction result: Prefer return=minimal|representation|OperationOutcome for writes
 * (https://hl7.org/fhir/R4/http.html#ops), `_format` / Accept, and `_pretty`.
 */
export function sendResult(request: FastifyRequest, reply: FastifyReply, result: InteractionResult): FastifyReply {
  const query = request.query as Record<string, string | undefined>;
  const contentType = result.contentType ?? negotiateFormat(query._format, request.headers.accept);
  reply.status(result.status);
  if (result.headers) reply.headers(result.headers);
  let body = result.body;
  if (result.preferable) {
    const prefer = preferReturn(request.headers.prefer);
    if (prefer === 'minimal') return reply.send();
    if (prefer === 'OperationOutcome') body = informational(`${request.method} succeeded with status ${result.status}`);
  }
  if (body === undefined) return reply.send();
  let text = typeof body === 'string' ? body : JSON.stringify(withoutEmpty(body) ?? {});
  if (query._pretty === 'true' && isFhirJson(contentType)) text = JSON.stringify(JSON.parse(text), null, 2);
  return reply.type(contentType).send(text);
}

function preferReturn(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  const m = value ? /return=("?)(minimal|representation|OperationOutcome)\1/.exec(value) : null;
  return m?.[2];
}

/**
 * A value with its empty arrays and objects (and members that become empty) left out: FHIR JSON
 * never has them (https://hl7.org/fhir/R4/json.html#arrays: "arrays SHALL NOT be empty"). Bodies
 * built as text (bundles) are assembled without them instead.
 */
export function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(withoutEmpty).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const members = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => [k, withoutEmpty(v)] as const)
      .filter(([, v]) => v !== undefined);
    return members.length ? Object.fromEntries(members) : undefined;
  }
  return value;
}
