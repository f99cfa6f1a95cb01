import type { FastifyInstance, InjectOptions } from 'fastify';

/**
 * KOLIBRI_TEST_TWO_INSTANCES=1: every test app is two apps, each with its own pool, services and
 * auth service, on the one test database, and `inject` alternates between them, so the
 * HTTP-level suite runs as if behind a round-robin load balancer. Anything that kept state for
 * correctness in one process would fail here. (Per-instance by design, see docs/scaling.md:
 * the 10 s client-status cache and the in-process key and JWKS caches.)
 */
export const TWO_INSTANCES = process.env.KOLIBRI_TEST_TWO_INSTANCES === '1';

/** Make `first.inject(options)` alternate between `first` and `second`; returns `first`. */
export function alternateInject(first: FastifyInstance, second: FastifyInstance): FastifyInstance {
  const own = first.inject.bind(first);
  let next = 0;
  const inject = (options?: InjectOptions | string) => {
    // the chained form (inject() without options) stays on the first instance
    if (options === undefined) return own();
    return (next++ % 2 === 0 ? own : second.inject.bind(second))(options);
  };
  Object.defineProperty(first, 'inject', { value: inject, configurable: true, writable: true });
  return first;
}
