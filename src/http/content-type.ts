import type { FastifyInstance } from 'fastify';
import { checkJsonInput } from '../fhir/json-input';
import { badRequest, FhirError, notAcceptable, unsupportedMediaType } from '../fhir/outcome';

/**
 * The FHIR JSON media types: R4's `application/fhir+json`, the DSTU2 form `application/json+fhir`
 * that older clients still send, and plain `application/json`. All three are the same format
 * in Content-Type, Accept and `_format`. https://hl7.org/fhir/R4/http.html#mime-type
 */
export const FHIR_JSON_TYPES = ['application/fhir+json', 'application/json+fhir', 'application/json'] as const;
/** Media types a JSON body may come as: FHIR JSON and JSON Patch. */
export const JSON_TYPES = [...FHIR_JSON_TYPES, 'application/json-patch+json'];
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
/** Where a parsed form body keeps its [name, value] pairs in order, repeats included. */
export const FORM_PAIRS = Symbol('formPairs');

/** The XML forms (and their `_format` short names): recognised so the answer can say XML is not served. */
const XML_TYPES = ['xml', 'application/fhir+xml', 'application/xml+fhir', 'application/xml', 'text/xml'];

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

/** `type/subtype; a=b` → lower-cased type and parameters (parameter names lower-cased, quotes removed). */
export function parseMediaType(text: string): MediaType {
  const [type, ...rest] = text.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase(), params };
}

/**
 * The `fhirVersion` parameter names the FHIR release as major.minor (https://hl7.org/fhir/R4/http.html#version-parameter):
 * absent or 4.0(.x) is R4; any other release is a format this server does not speak.
 */
function isR4(params: Record<string, string>): boolean {
  const v = params.fhirversion;
  return v === undefined || v === '4.0' || /^4\.0\.\d+$/.test(v);
}

/** Whether a media type (with its parameters) is FHIR JSON of release R4. */
export function isFhirJson(mediaType: string | MediaType): boolean {
  const { type, params } = typeof mediaType === 'string' ? parseMediaType(mediaType) : mediaType;
  return (FHIR_JSON_TYPES as readonly string[]).includes(type) && isR4(params);
}

/**
 * Parse JSON bodies ourselves so malformed JSON is a FHIR 400 (not Fastify's generic error) and
 * any other media type, or FHIR JSON of another release, is a FHIR 415. A body nested too deep
 * or holding U+0000 is a 400 here, before anything recurses over it or sends it to PostgreSQL
 * (see fhir/json-input.ts).
 */
export function registerContentTypes(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (req, body, done) => {
    if (!isR4(parseMediaType(String(req.headers['content-type'])).params)) {
      return done(unsupportedMediaType(`Unsupported Content-Type '${req.headers['content-type']}': this server speaks FHIR R4 (fhirVersion=4.0)`), undefined);
    }
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return done(badRequest(`The body is not valid JSON: ${(err as Error).message}`), undefined);
    }
    const issue = checkJsonInput(parsed);
    done(issue ? new FhirError(400, [issue]) : null, issue ? undefined : parsed);
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const pairs = [...new URLSearchParams(body as string)];
    const form = Object.fromEntries(pairs);
    // OAuth endpoints read the object; POST _search needs every pair in order, repeats kept.
    Object.defineProperty(form, FORM_PAIRS, { value: pairs, enumerable: false });
    done(null, form);
  });
  app.addContentTypeParser('*', (req, _payload, done) => {
    const given = String(req.headers['content-type']);
    const xml = XML_TYPES.includes(parseMediaType(given).type) ? ': XML is not supported' : '';
    done(unsupportedMediaType(`Unsupported Content-Type '${given}'${xml}; send application/fhir+json`), undefined);
  });
}

/**
 * Whether a `_format` value asks for FHIR JSON: `json` or any FHIR JSON media type. An unencoded
 * `+` arrives as a space (`_format=application/fhir+json`), so `application/fhir json` reads as
 * `application/fhir+json`. https://hl7.org/fhir/R4/http.html#general
 */
export function isFhirJsonFormat(format: string): boolean {
  return format.trim().toLowerCase() === 'json' || isFhirJson(formatMediaType(format));
}

function formatMediaType(format: string): string {
  return format.trim().replace(/^(application\/(?:fhir|json|xml)) (json|xml|fhir)\b/i, '$1+$2');
}

/** The response format from `_format` or Accept. FHIR JSON only: XML and other formats are 406. */
export function negotiateFormat(format: string | undefined, accept: string | undefined): string {
  if (format !== undefined) {
    if (isFhirJsonFormat(format)) return FHIR_JSON;
    const xml = XML_TYPES.includes(parseMediaType(formatMediaType(format)).type) ? ': XML is not supported' : '';
    throw notAcceptable(`_format '${format}' is not supported${xml}; this server speaks FHIR R4 JSON (application/fhir+json)`);
  }
  if (!accept) return FHIR_JSON;
  const ranges = accept
    .split(',')
    .map((range) => parseMediaType(range))
    .filter((m) => m.type !== '' && !/^0(\.0*)?$/.test(m.params.q ?? ''));
  // Wildcards and text/html (a browser opening a URL) get FHIR JSON too.
  if (ranges.some((m) => ['*/*', 'application/*', 'text/html', 'text/*'].includes(m.type) || isFhirJson(m))) return FHIR_JSON;
  const xml = ranges.some((m) => XML_TYPES.includes(m.type)) ? ': XML is not supported' : '';
  throw notAcceptable(`None of the accepted formats (${accept}) is supported${xml}; use application/fhir+json`);
}

