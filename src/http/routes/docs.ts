import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse } from 'yaml';

/** The checked-in API description (the repository's openapi.yaml). */
export const OPENAPI_PATH = join(__dirname, '..', '..', '..', 'openapi.yaml');

interface ServedSpec {
  servers?: Array<{ url: string; description?: string }>;
  components?: { securitySchemes?: Record<string, { flows?: { clientCredentials?: { tokenUrl: string } } }> };
}

export interface DocsOptions {
  /** The public FHIR base URL (BASE_URL): its origin is used when a request comes to its host. */
  baseUrl: string;
  openapiPath?: string;
}

/**
 * `GET /openapi.yaml` and an interactive page at `/docs` (where `GET /` leads): Swagger UI from @fastify/swagger-ui
 * over @fastify/swagger in static mode, its assets served from the package (no CDN, works
 * offline), with its own CSP. The page's assets live under `/docs/`.
 *
 * Both serve the document with this server as `servers[0]` and its token URL, so "Try it out"
 * and "Authorize" reach the server the page came from, whatever its port or name.
 */
/** The page's wordmark in place of Swagger UI's own (the page is Kolibri's API, not Fastify's). */
const LOGO = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="150" height="32" viewBox="0 0 150 32">' +
    '<circle cx="14" cy="16" r="11" fill="#2e86c1"/><path d="M9 17 l4 4 l8 -9" stroke="#fff" stroke-width="3" fill="none"/>' +
    '<text x="32" y="23" font-family="sans-serif" font-size="20" font-weight="700" fill="#fff">Kolibri</text></svg>',
);

export function registerDocs(app: FastifyInstance, options: DocsOptions): void {
  const yaml = readFileSync(options.openapiPath ?? OPENAPI_PATH, 'utf8');
  const document = parse(yaml);
  const spec = document as ServedSpec;
  const fileRoot = spec.servers?.[0]?.url;
  const fileTokenUrl = tokenFlow(spec)?.tokenUrl;
  // The file as checked in, comments and layout kept, with only its two URLs replaced (a YAML
  // round trip would reformat it).
  app.get('/openapi.yaml', async (request, reply) => {
    const root = serverRoot(request, options.baseUrl);
    let text = fileRoot ? yaml.replace(`- url: ${fileRoot}\n`, `- url: ${root}\n`) : yaml;
    if (fileTokenUrl) text = text.replace(`tokenUrl: ${fileTokenUrl}\n`, `tokenUrl: ${root}/auth/token\n`);
    return reply.type('application/yaml; charset=utf-8').send(text);
  });
  // a browser opening the server's root lands on the API documentation (the FHIR base is /fhir);
  // API clients get the server's 404 OperationOutcome as for any other unknown path
  app.get('/', async (request, reply) => ((request.headers.accept ?? '').includes('text/html') ? reply.redirect('/docs') : reply.callNotFound()));
  void app.register(async (docs) => {
    await docs.register(swagger, { mode: 'static', specification: { document } });
    await docs.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      theme: { title: 'Kolibri FHIR R4 API' },
      logo: { type: 'image/svg+xml', content: LOGO, href: '/docs', target: '_self' },
      uiConfig: { deepLinking: true, docExpansion: 'none', persistAuthorization: true },
      // a deep copy per request (transformSpecificationClone defaults to true)
      transformSpecification: (copy, request) => {
        const root = serverRoot(request, options.baseUrl);
        const out = copy as ServedSpec;
        out.servers = [{ ...out.servers?.[0], url: root }];
        const flow = tokenFlow(out);
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

function tokenFlow(spec: ServedSpec): { tokenUrl: string } | undefined {
  return spec.components?.securitySchemes?.smartBackendServices?.flows?.clientCredentials;
}
