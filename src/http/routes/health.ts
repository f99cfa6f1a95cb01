import type { FastifyInstance } from 'fastify';

export interface Readiness {
  /** Resolves with the problems that make the server not ready (empty when ready). */
  check(): Promise<string[]>;
}

/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database answers and
 * every migration is applied), for load balancers and orchestrators.
 */
export function registerHealth(app: FastifyInstance, readiness: Readiness): void {
  app.get('/healthz', async (_req, reply) => reply.type('application/json').send({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    let problems: string[];
    try {
      problems = await readiness.check();
    } catch (err) {
      req.log.warn({ err }, 'readiness check failed');
      problems = ['database unreachable'];
    }
    return reply
      .status(problems.length ? 503 : 200)
      .type('application/json')
      .send(problems.length ? { status: 'unavailable', problems } : { status: 'ready' });
  });
}
