import type { FastifyInstance } from 'fastify';
import { checkJsonInput } from '../fhir/json-input';
import { badRequest, FhirError, notAcceptable, unsupportedMediaType } from '../fhir/outcome';

/** Media types a FHIR JSON body may come as. https://hl7.org/fhir/R4/http.html#mime-type */
export const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json'];
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
/** Where a parsed form body keeps its [name, value] pairs in order, repeats included. */
export const FORM_PAIRS = Symbol('formPairs');

/**
 * Parse JSON bodies ourselves so malformed JSON is a FHIR 400 (not Fastify's generic error) and
 * any other media type is a FHIR 415. A body nested too deep or holding U+0000 is a 400 here,
 * before anything recurses over it or sends it to PostgreSQL (see fhir/json-input.ts).
 */
export function registerContentTypes(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (_req, body, done) => {
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
    done(unsupportedMediaType(`Unsupported Content-Type '${req.headers['content-type']}'; send application/fhir+json`), undefined);
  });
}

/**
 * The response format from `_format` or Accept. JSON only: XML and other formats are 406.
 * https://hl7.org/fhir/R4/http.html#general
 */
export function negotiateFormat(format: string | undefined, accept: string | undefined): string {
  if (format !== undefined) {
    const f = format.toLowerCase();
    if (['json', 'application/json', 'application/fhir+json'].includes(f)) return FHIR_JSON;
    throw notAcceptable(`_format '${format}' is not supported; this server speaks JSON (application/fhir+json)`);
  }
  if (!accept) return FHIR_JSON;
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  if (types.some((t) => t === '*/*' || t === 'application/*' || t.includes('json') || t === 'text/html' || t === 'text/*')) {
    return FHIR_JSON;
  }
  throw notAcceptable(`None of the accepted formats (${accept}) is supported; use application/fhir+json`);
}
