import type { FastifyServerOptions } from 'fastify';
import { maskCprInUrl } from '../audit/cpr';

/**
 * pino options for Fastify. PHI never reaches the log: no bodies, no query strings (they carry
 * CPR numbers in searches), no authorization headers or cookies; only method, path, status,
 * timing and the request id. The path is logged decoded with CPR numbers masked: an id may be one
 * (`/fhir/Patient/0101504321`, or `%30101504321` encoded), and the raw form would hide it from
 * the mask.
 */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'body', 'req.body', 'res.body'],
      censor: '[redacted]',
    },
    serializers: {
      req(req: { method: string; url: string; id: string }) {
        return { method: req.method, path: maskCprInUrl(stripQuery(req.url)), id: req.id };
      },
      res(res: { statusCode: number }) {
        return { statusCode: res.statusCode };
      },
    },
  };
}

export function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
