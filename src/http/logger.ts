import type { FastifyServerOptions } from 'fastify';

/**
 * pino options for Fastify. PHI never reaches the log: no bodies, no query strings (they carry
 * CPR numbers in searches), no authorization headers or cookies; only method, path, status,
 * timing and the request id.
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
        return { method: req.method, path: stripQuery(req.url), id: req.id };
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
