import { cprFreeUuid } from './audit/cpr';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { registerContentTypes } from './http/content-type';
import { frameworkErrors, registerErrorHandling } from './http/error-handler';
import type { AuthService } from './auth/auth-service';
import type { Clock } from './clock';
import { registerAuthGuard } from './http/auth-guard';
import { registerInputGuard } from './http/input-guard';
import { registerSchemaValidation } from './http/schema-validation';
import { registerAdminRoutes } from './http/routes/admin';
import { registerFhirRest } from './http/routes/fhir-rest';
import { registerSmartRoutes } from './http/routes/smart';
import { registerContextsRoute } from './http/routes/contexts';
import { registerHealth } from './http/routes/health';
import { registerOperations } from './http/routes/operations';
import { registerSearch } from './http/routes/search';
import { registerBulkExport } from './http/routes/bulk-export';
import { registerSubscriptionWebsocket } from './http/routes/subscription-websocket';
import type { Services } from './services';
import { registerAuditHook } from './http/audit-hook';
import { registerMetrics } from './http/metrics';
import { registerDocs } from './http/routes/docs';
import { KolibriMetrics } from './metrics/registry';
import { registerCors } from './http/cors';
import { restSecurity, withSecurity } from './interactions/capability-security';
import { DEFAULT_BINARY_LIMITS, registerBinaryContentTypes, type BinaryLimits } from './http/binary-body';

export interface AppDeps {
  services: Services;
  /** pino options (see http/logger.ts), an existing pino logger, or false for silence. */
  logger: FastifyServerOptions['logger'] | FastifyBaseLogger;
  maxBodyBytes: number;
  /**
   * Authentication: the token endpoint, discovery, admin API and the /fhir guard. Required, so
   * no caller can build an app that silently skips the guard; `mode: 'off'` (KOLIBRI_AUTH=off,
   * loopback only) gives every /fhir request the development context.
   */
  auth: { mode: 'on' | 'off'; service: AuthService; clock: Clock };
  /** Prometheus metrics (main.ts shares one with the pool gauges and jobs); a private one if absent. */
  metrics?: KolibriMetrics;
  /** KOLIBRI_METRICS_TOKEN: needed to scrape /metrics from anywhere but loopback. */
  metricsToken?: string;
  /** KOLIBRI_CORS_ORIGINS: origins browser apps may call from; default any (`*`). */
  corsOrigins?: readonly string[];
  /** KOLIBRI_BINARY_*: raw Binary uploads (size, media types); default DEFAULT_BINARY_LIMITS. */
  binary?: BinaryLimits;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Build the Fastify application. Never listens: main.ts does, tests use inject(). */
export function buildApp(deps: AppDeps): FastifyInstance {
  const loggerIsInstance = typeof deps.logger === 'object' && deps.logger !== null && 'child' in deps.logger;
  const app = Fastify({
    ...(loggerIsInstance
      ? { loggerInstance: deps.logger as FastifyBaseLogger }
      : { logger: deps.logger as FastifyServerOptions['logger'] }),
    bodyLimit: deps.maxBodyBytes,
    // Honour a caller's X-Request-Id (for tracing across systems) when it is sane; else make one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : cprFreeUuid();
    },
    // FHIR ids and search values may be long; the default 100-char param limit is too tight.
    routerOptions: { maxParamLength: 200 },
    frameworkErrors,
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // First, so preflights are answered before the guard and every answer (errors too) carries the CORS headers.
  registerCors(app, deps.corsOrigins ?? ['*']);
  registerContentTypes(app);
  registerBinaryContentTypes(app, deps.binary ?? DEFAULT_BINARY_LIMITS);
  registerSchemaValidation(app);
  registerErrorHandling(app);
  registerHealth(app, deps.services.readiness);
  registerMetrics(app, {
    metrics: deps.metrics ?? new KolibriMetrics({ defaultMetrics: false }),
    token: deps.metricsToken,
    isResourceType: (type) => deps.services.registry.isResourceType(type),
  });
  registerDocs(app, { baseUrl: deps.services.interactions.baseUrl });
  // Authentication first, so the guard sees every /fhir route registered after it.
  registerAuthGuard(app, deps.auth.mode === 'on' ? deps.auth : { mode: 'off' });
  registerInputGuard(app);
  registerSmartRoutes(app, deps.auth.service);
  registerContextsRoute(app, { service: deps.auth.service, audit: deps.services.audit, clock: deps.auth.clock });
  registerAdminRoutes(app, deps.auth.service);
  const security = restSecurity(deps.services.interactions.baseUrl, { auth: deps.auth.mode, cors: true });
  registerFhirRest(app, { deps: deps.services.interactions, capabilityStatement: () => withSecurity(deps.services.capabilityStatement(), security, deps.auth.mode), binary: deps.binary });
  registerSearch(app, deps.services.interactions);
  registerAuditHook(app, deps.services.audit);
  registerOperations(app, deps.services.interactions, deps.services.operations);
  registerBulkExport(app, deps.services.interactions, deps.services.bulkExport.requests);
  registerSubscriptionWebsocket(app, { shared: deps.services.interactions, auth: deps.auth, listen: deps.services.listenSubscriptionPings });
  return app;
}
