import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { KolibriMetrics } from '../metrics/registry';

export interface MetricsRouteOptions {
  metrics: KolibriMetrics;
  /** KOLIBRI_METRICS_TOKEN: a bearer token for scrapes from other hosts; loopback scrapes need none. */
  token?: string;
  /** Known resource types: anything else is labelled `other` so labels stay a closed set. */
  isResourceType: (type: string) => boolean;
}

/**
 * The FHIR interaction a route serves, from its method and route pattern (never the URL, so no
 * id or query string becomes a label). https://hl7.org/fhir/R4/http.html
 */
export function interactionOf(method: string, route: string | undefined): string {
  if (!route) return 'not-found';
  if (route.includes('$') || route.includes('/:operation')) return 'operation';
  if (!route.startsWith('/fhir')) return route.startsWith('/auth') ? 'auth' : route.replace(/^\//, '') || 'root';
  const key = `${method} ${route}`;
  const table: Record<string, string> = {
    'GET /fhir/metadata': 'capabilities',
    'GET /fhir/:type/:id': 'read',
    'GET /fhir/:type/:id/_history/:vid': 'vread',
    'GET /fhir/:type/:id/_history': 'history-instance',
    'GET /fhir/:type/_history': 'history-type',
    'GET /fhir/_history': 'history-system',
    'GET /fhir/:type': 'search-type',
    'POST /fhir/:type/_search': 'search-type',
    'GET /fhir': 'search-system',
    'GET /fhir/': 'search-system',
    'POST /fhir/_search': 'search-system',
    'POST /fhir/:type': 'create',
    'PUT /fhir/:type/:id': 'update',
    'PUT /fhir/:type': 'conditional-update',
    'PATCH /fhir/:type/:id': 'patch',
    'PATCH /fhir/:type': 'conditional-patch',
    'DELETE /fhir/:type/:id': 'delete',
    'DELETE /fhir/:type': 'conditional-delete',
    'POST /fhir': 'batch-transaction',
    'POST /fhir/': 'batch-transaction',
  };
  return table[key] ?? (route.startsWith('/fhir/.well-known') ? 'discovery' : 'other');
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function allowed(request: FastifyRequest, token: string | undefined): boolean {
  if (LOOPBACK.has(request.socket.remoteAddress ?? '')) return true;
  if (!token) return false;
  const given = Buffer.from(/^Bearer +(.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * Request metrics for every route (an onResponse hook) and `GET /metrics` in the Prometheus
 * text format: open to loopback (a sidecar or node exporter), else only with KOLIBRI_METRICS_TOKEN
 * as a bearer token; without a token configured, remote scrapes get 404 as if it did not exist.
 */
export function registerMetrics(app: FastifyInstance, options: MetricsRouteOptions): void {
  const { metrics } = options;
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === '/metrics') return;
    const type = (request.params as { type?: string } | undefined)?.type;
    metrics.httpRequests.observe(
      {
        interaction: interactionOf(request.method, route),
        type: type === undefined ? '' : options.isResourceType(type) ? type : 'other',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', async (request, reply) => {
    if (!allowed(request, options.token)) {
      return reply.code(options.token ? 401 : 404).type('text/plain').send(options.token ? 'metrics need the metrics token\n' : 'Not Found\n');
    }
    return reply.type(metrics.contentType).send(await metrics.render());
  });
}
