import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../../fhir/outcome';
import { search, type SearchScope } from '../../interactions/search';
import type { SharedDeps } from '../../interactions/types';
import { requestDeps } from '../request-deps';
import { FORM_PAIRS } from '../content-type';
import { sendResult } from '../reply';

/**
 * Search entry points (https://hl7.org/fhir/R4/http.html#search): type search by GET and by
 * POST `_search` (form body), system search, and compartment search.
 */
export function registerSearch(app: FastifyInstance, shared: SharedDeps): void {
  const handler =
    (scope: (req: FastifyRequest) => SearchScope, form: boolean) => async (req: FastifyRequest, reply: FastifyReply) =>
      sendResult(req, reply, await search(requestDeps(req, shared), scope(req), { params: searchParams(req, form), strict: isStrict(req) }));
  const params = (req: FastifyRequest) => req.params as { type: string; compartment: string; id: string };

  app.get('/fhir', handler(() => ({}), false));
  // [base] with its trailing slash: fhir-kit-client's systemSearch() gets `${baseUrl}/?…`.
  app.get('/fhir/', handler(() => ({}), false));
  app.post('/fhir/_search', handler(() => ({}), true));
  app.get('/fhir/:type', handler((req) => ({ type: params(req).type }), false));
  app.post('/fhir/:type/_search', handler((req) => ({ type: params(req).type }), true));
  app.get(
    '/fhir/:compartment/:id/:type',
    handler((req) => ({ type: params(req).type, compartment: { type: params(req).compartment, id: params(req).id } }), false),
  );
}

/**
 * Parameters in request order with repeats kept (the query string as sent, then a form body):
 * Fastify's parsed query object would lose the order of different names.
 */
function searchParams(req: FastifyRequest, form: boolean): Array<[string, string]> {
  const q = req.url.indexOf('?');
  const out: Array<[string, string]> = q < 0 ? [] : [...new URLSearchParams(req.url.slice(q + 1))];
  if (form) {
    const type = String(req.headers['content-type'] ?? '');
    if (req.body !== undefined && !type.startsWith('application/x-www-form-urlencoded')) {
      throw badRequest('POST _search takes an application/x-www-form-urlencoded body');
    }
    const body = req.body as ({ [FORM_PAIRS]?: Array<[string, string]> } & Record<string, string>) | undefined;
    out.push(...(body?.[FORM_PAIRS] ?? Object.entries(body ?? {})));
  }
  return out;
}

function isStrict(req: FastifyRequest): boolean {
  const prefer = req.headers.prefer;
  const text = Array.isArray(prefer) ? prefer.join(',') : prefer ?? '';
  return /handling\s*=\s*strict/.test(text);
}
