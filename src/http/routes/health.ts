import type { FastifyInstance } from 'fastify';

export interface Readiness {
  /** Resolves with the problems that make the server not ready (empty when ready). */
  check(): Promise<string[]>;
}

/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database answers and
 * every migration is applied), for load balancers and orchestrators. While the database is down
 * (a supervised embedded one being restarted, a DATABASE_URL server away) the process stays live
 * and recovers by itself, so only readiness fails: restarting the process would not help.
 */
export function registerHealth(app: FastifyInstance, readiness: Readiness): void {
  app.get('/healthz', async (_req, reply) => reply.type('application/json').send({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    let problems: string[];
    try {
      problems = await readiness.check();
    } catch (err) {
      // probed every few seconds while the database is down: one short line each, no stack
      req.log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'not ready: database unreachable');
      problems = ['database unreachable'];
    }
    return reply
      .status(problems.length ? 503 : 200)
      .type('application/json')
      .send(problems.length ? { status: 'unavailable', problems } : { status: 'ready' });
  });
}
