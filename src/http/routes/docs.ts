import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse, parseDocument } from 'yaml';

/** The checked-in API description (the repository's openapi.yaml). */
export const OPENAPI_PATH = join(__dirname, '..', '..', '..', 'openapi.yaml');

const TOKEN_URL_PATH = ['components', 'securitySchemes', 'smartBackendServices', 'flows', 'clientCredentials', 'tokenUrl'];

export interface DocsOptions {
  /** The public FHIR base URL (BASE_URL): its origin is used when a request comes to its host. */
  baseUrl: string;
  openapiPath?: string;
}

/**
 * `GET /openapi.yaml` and an interactive page at `/docs`: Swagger UI from @fastify/swagger-ui
 * over @fastify/swagger in static mode, its assets served from the package (no CDN, works
 * offline), with its own CSP. The page's assets live under `/docs/`.
 *
 * Both serve the document with this server as `servers[0]` and its token URL, so "Try it out"
 * and "Authorize" reach the server the page came from, whatever its port or name.
 */
export function registerDocs(app: FastifyInstance, options: DocsOptions): void {
  const yaml = readFileSync(options.openapiPath ?? OPENAPI_PATH, 'utf8');
  const source = parseDocument(yaml);
  app.get('/openapi.yaml', async (request, reply) => {
    const doc = source.clone();
    const root = serverRoot(request, options.baseUrl);
    doc.setIn(['servers', 0, 'url'], root);
    if (doc.hasIn(TOKEN_URL_PATH)) doc.setIn(TOKEN_URL_PATH, `${root}/auth/token`);
    return reply.type('application/yaml; charset=utf-8').send(doc.toString());
  });
  void app.register(async (docs) => {
    await docs.register(swagger, { mode: 'static', specification: { document: parse(yaml) } });
    await docs.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      uiConfig: { deepLinking: true, docExpansion: 'none', persistAuthorization: true },
      // a deep copy per request (transformSpecificationClone defaults to true)
      transformSpecification: (spec, request) => {
        const root = serverRoot(request, options.baseUrl);
        const out = spec as { servers?: Array<{ url: string; description?: string }>; components?: Record<string, unknown> };
        out.servers = [{ ...out.servers?.[0], url: root }];
        const flow = (out.components?.securitySchemes as Record<string, { flows?: { clientCredentials?: { tokenUrl: string } } }> | undefined)
          ?.smartBackendServices?.flows?.clientCredentials;
        if (flow) flow.tokenUrl = `${root}/auth/token`;
        return out;
      },
    });
  });
}

/**
 * The server root the caller reached: the public BASE_URL's origin (and path prefix) when the
 * request came to its host, so a TLS-terminating proxy keeps its https; otherwise the request's
 * own scheme and Host, e.g. `http://127.0.0.1:9090` for a server on another port.
 */
export function serverRoot(request: Pick<FastifyRequest, 'protocol' | 'host'>, baseUrl: string): string {
  const base = new URL(baseUrl);
  if (request.host.toLowerCase() === base.host.toLowerCase()) return `${base.origin}${base.pathname.replace(/\/+$/, '').replace(/\/fhir$/, '')}`;
  return `${request.protocol}://${request.host}`;
}
