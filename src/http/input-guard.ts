import type { FastifyInstance } from 'fastify';
import { controlCharacterIn, printable } from '../fhir/control-characters';
import { badRequest } from '../fhir/outcome';

/**
 * Refuse control characters (U+0000 above all) in the URL path, the query and the headers of
 * every request with a 400 naming where they were, before any route reads them: PostgreSQL
 * cannot hold U+0000 in text, and no FHIR id, search value or header legitimately carries a C0
 * control (https://hl7.org/fhir/R4/datatypes.html#string). Registered after the auth guard, so
 * a mangled Authorization header is still the guard's 401. Criteria that arrive other ways
 * (If-None-Exist, bundle entry urls, form bodies) are checked by the search parser, bodies by
 * the JSON parser.
 */
export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    for (const [name, value] of Object.entries((request.params ?? {}) as Record<string, unknown>)) {
      const control = typeof value === 'string' ? controlCharacterIn(value) : undefined;
      if (control) throw badRequest(`The URL path (${name}) contains the control character ${control}`);
    }
    const q = request.url.indexOf('?');
    if (q >= 0) {
      for (const [name, value] of new URLSearchParams(request.url.slice(q + 1))) {
        const control = controlCharacterIn(name) ?? controlCharacterIn(value);
        if (control) throw badRequest(`Query parameter '${printable(name)}' contains the control character ${control}`, [printable(name)]);
      }
    }
    for (const [name, value] of Object.entries(request.headers)) {
      const control = [value ?? ''].flat().map(controlCharacterIn).find(Boolean);
      if (control) throw badRequest(`Header '${name}' contains the control character ${control}`);
    }
  });
}
