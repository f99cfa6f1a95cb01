import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';

/** The checked-in API description (the repository's openapi.yaml). */
export const OPENAPI_PATH = join(__dirname, '..', '..', '..', 'openapi.yaml');

/**
 * `GET /openapi.yaml` (the file as checked in) and an interactive page at `/docs`: Swagger UI
 * from @fastify/swagger-ui over @fastify/swagger in static mode, its assets served from the
 * package (no CDN, works offline), with its own CSP. The page's assets live under `/docs/`.
 */
export function registerDocs(app: FastifyInstance, openapiPath = OPENAPI_PATH): void {
  const yaml = readFileSync(openapiPath, 'utf8');
  app.get('/openapi.yaml', async (_request, reply) => reply.type('application/yaml; charset=utf-8').send(yaml));
  void app.register(async (docs) => {
    await docs.register(swagger, { mode: 'static', specification: { document: parse(yaml) } });
    await docs.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { deepLinking: true, docExpansion: 'none' } });
  });
}

