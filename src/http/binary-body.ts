import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Binary } from '@medplum/fhirtypes';
import { unsupportedMediaType } from '../fhir/outcome';
import { isFhirJson, isFhirJsonFormat, parseMediaType } from './content-type';

/**
 * A Binary's content posted or read in its own format (https://hl7.org/fhir/R4/http.html#binary):
 * a body whose Content-Type is not FHIR is the Binary's `data`, its media type the `contentType`,
 * and `X-Security-Context` its `securityContext`; a read whose Accept does not name FHIR answers
 * the bytes with their content type.
 */
export interface BinaryLimits {
  /** KOLIBRI_BINARY_MAX_BYTES: largest raw body (bigger: 413). */
  maxBytes: number;
  /** KOLIBRI_BINARY_CONTENT_TYPES: media types a raw body may have (others: 415). */
  contentTypes: readonly string[];
}

export const DEFAULT_BINARY_LIMITS: BinaryLimits = {
  maxBytes: 10 * 1024 * 1024,
  contentTypes: ['image/jpeg', 'image/png', 'image/heic', 'application/pdf'],
};

/** A body in a non-FHIR media type, as the parser left it for the Binary routes. */
export class RawBody {
  constructor(
    readonly contentType: string,
    readonly data: Buffer,
  ) {}
}

/** The routes that take a resource body (create, update and their conditional forms): only these take a raw one. */
const RESOURCE_ROUTES = new Set(['POST /fhir/:type', 'PUT /fhir/:type', 'PUT /fhir/:type/:id']);

/**
 * Parse the allow-listed media types as raw bytes (up to the limit: Fastify answers 413 beyond);
 * any route but a resource write answers such a body 415.
 */
export function registerBinaryContentTypes(app: FastifyInstance, limits: BinaryLimits): void {
  if (limits.contentTypes.length === 0) return;
  app.addContentTypeParser([...limits.contentTypes], { parseAs: 'buffer', bodyLimit: limits.maxBytes }, (req, body, done) => {
    done(null, new RawBody(parseMediaType(String(req.headers['content-type'])).type, body as Buffer));
  });
  app.addHook('preValidation', async (req) => {
    if (req.body instanceof RawBody && !RESOURCE_ROUTES.has(`${req.method} ${req.routeOptions.url}`)) {
      throw unsupportedMediaType(`Content-Type '${req.body.contentType}' is accepted only for creating or updating a Binary; send application/fhir+json`);
    }
  });
}

/**
 * The request body as a FHIR resource: a raw body becomes the Binary it carries; on any other
 * type a raw body is a 415 (only Binary has a non-FHIR representation).
 */
export function resourceBody(req: FastifyRequest, type: string): unknown {
  const body = req.body;
  if (!(body instanceof RawBody)) return body;
  if (type !== 'Binary') throw unsupportedMediaType(`Content-Type '${body.contentType}' is accepted for Binary only; send ${type} as application/fhir+json`);
  const context = req.headers['x-security-context'];
  const securityContext = Array.isArray(context) ? context[0] : context;
  const binary: Binary = {
    resourceType: 'Binary',
    contentType: body.contentType,
    ...(securityContext ? { securityContext: { reference: securityContext.trim() } } : {}),
    ...(body.data.length ? { data: body.data.toString('base64') } : {}),
  };
  return binary;
}

/**
 * Whether a read of a Binary asks for its own format: neither `_format` nor Accept names FHIR JSON
 * (R4: "a read request ... that doesn't explicitly specify the FHIR content types" gets the content).
 */
export function wantsRawBinary(req: FastifyRequest): boolean {
  const format = (req.query as Record<string, string | undefined>)._format;
  if (format !== undefined) return !isFhirJsonFormat(format);
  const accept = req.headers.accept;
  if (!accept) return true;
  return !accept.split(',').some((range) => isFhirJson(range));
}

/**
 * Send a Binary's bytes. Content types outside the upload allow-list (a text/html Binary written
 * as FHIR JSON) go out as an attachment of `application/octet-stream`, so a browser never renders
 * stored markup; `nosniff` and a sandbox CSP keep it from guessing otherwise.
 */
export function sendRawBinary(reply: FastifyReply, binary: Binary, headers: Record<string, string> | undefined, limits: BinaryLimits): FastifyReply {
  const type = parseMediaType(binary.contentType ?? '').type;
  const safe = limits.contentTypes.includes(type);
  if (headers) reply.headers(headers);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('content-security-policy', 'sandbox');
  if (!safe) reply.header('content-disposition', 'attachment');
  return reply
    .status(200)
    .type(safe ? type : 'application/octet-stream')
    .send(Buffer.from(binary.data ?? '', 'base64'));
}
