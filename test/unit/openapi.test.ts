import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Pool } from 'pg';
import { parse } from 'yaml';
import { buildApp } from '../../src/app';
import { createServices } from '../../src/services';
import { telemedicineModule } from '../../src/telemedicine/module';
import { futModule } from '../../src/fut/module';
import { futReportingModule } from '../../src/fut/reporting/module';
import { futRecordsModule } from '../../src/fut/records/module';
import { AuthService } from '../../src/auth/auth-service';
import { systemClock } from '../../src/clock';
import { loadConfig } from '../../src/config';
import { testRegistry } from '../support/app';
import { storageOn } from '../../src/store/storage';

const SPEC_PATH = join(__dirname, '..', '..', 'openapi.yaml');
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Every route the app declares, seen through Fastify's `onRoute` hook. buildApp() creates its
 * own instance and declares its routes before returning, and onRoute hooks only see routes
 * declared after them, so the hook is attached as each instance is created.
 */
const mockDeclaredRoutes: RouteOptions[] = [];
jest.mock('fastify', () => {
  const actual = jest.requireActual('fastify');
  const withRouteLog = (...args: unknown[]) => {
    const app = actual(...args);
    app.addHook('onRoute', (route: RouteOptions) => void mockDeclaredRoutes.push(route));
    return app;
  };
  return Object.assign(withRouteLog, actual, { default: withRouteLog, fastify: withRouteLog });
});

interface Spec {
  openapi: string;
  servers: Array<{ url: string }>;
  security?: Array<Record<string, string[]>>;
  components: { securitySchemes?: Record<string, { type: string; scheme?: string; flows?: { clientCredentials?: { tokenUrl: string } } }> };
  paths: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], Operation>> & { parameters?: unknown[] }>;
}
interface Operation {
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  responses: Record<string, unknown>;
}

const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;

/** `METHOD /path/{param}` for every operation in openapi.yaml. */
function documentedOperations(): Set<string> {
  const ops = new Set<string>();
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of HTTP_METHODS) if (item[method]) ops.add(`${method.toUpperCase()} ${path}`);
  }
  return ops;
}

const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
/** A path template with its parameter names erased: `/fhir/{type}/{id}` → `/fhir/{}/{}`. */
const shape = (key: string) => key.replace(/\{[^}]*\}/g, '{}');
const toFastifyPath = (path: string) => path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
/** A concrete URL for a route pattern, to knock on it. */
const sampleUrl = (url: string) =>
  url.replace(':type', 'Patient').replace(':id', 'openapi-test').replace(':vid', '1').replace(/:[A-Za-z0-9_]+/g, 'x');

describe('openapi.yaml', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(SPEC_PATH);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(spec.openapi).toMatch(/^3\.1\./);
    expect(spec.servers.map((s) => s.url)).toContain('http://127.0.0.1:8080');
  });

  it('passes redocly lint with no errors (every operation says which credentials it needs)', async () => {
    const cli = join(__dirname, '..', '..', 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
    const run = await promisify(execFile)(process.execPath, [cli, 'lint', SPEC_PATH, '--format=json'], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    const report = JSON.parse(run.stdout) as { totals: { errors: number }; problems: Array<{ ruleId: string; severity: string; message: string }> };
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });

  it('declares a bearer and an OAuth2 client-credentials scheme and needs one on every guarded /fhir operation', () => {
    const schemes = spec.components.securitySchemes ?? {};
    expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.smartBackendServices?.type).toBe('oauth2');
    expect(new URL(schemes.smartBackendServices?.flows?.clientCredentials?.tokenUrl ?? '').pathname).toBe('/auth/token');
    const open = ['/fhir/metadata', '/fhir/.well-known/smart-configuration', '/fhir/.well-known/jwks.json'];
    for (const [path, item] of Object.entries(spec.paths)) {
      if (!path.startsWith('/fhir')) continue;
      for (const method of HTTP_METHODS) {
        const op = item[method];
        if (!op) continue;
        const names = (op.security ?? spec.security ?? []).flatMap((requirement) => Object.keys(requirement));
        const refused = ['401', '403'].filter((status) => status in op.responses);
        expect({ op: `${method} ${path}`, names, refused }).toEqual({
          op: `${method} ${path}`,
          names: open.includes(path) ? [] : ['bearer', 'smartBackendServices'],
          refused: open.includes(path) ? [] : ['401', '403'],
        });
      }
    }
  });

  it('answers every error of every FHIR operation with an OperationOutcome', async () => {
    const resolved = (await dereference(SPEC_PATH)) as unknown as Spec;
    const seen = new Set<string>();
    for (const [path, item] of Object.entries(resolved.paths)) {
      if (!path.startsWith('/fhir/')) continue;
      for (const method of HTTP_METHODS) {
        const op = item[method];
        if (!op) continue;
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          seen.add(status);
          const schema = (response as { content?: Record<string, { schema?: { properties?: { resourceType?: { const?: string } } } }> })
            .content?.['application/fhir+json']?.schema;
          expect({ op: `${method.toUpperCase()} ${path} ${status}`, resourceType: schema?.properties?.resourceType?.const }).toEqual({
            op: `${method.toUpperCase()} ${path} ${status}`,
            resourceType: 'OperationOutcome',
          });
        }
      }
    }
    expect([...seen].sort()).toEqual(['400', '401', '403', '404', '405', '406', '409', '410', '412', '413', '415', '422', '500']);
  });

  describe('against the routes the app registers', () => {
    let app: FastifyInstance;
    let pool: Pool;

    beforeAll(async () => {
      // pg connects lazily: this pool is never used unless a route handler touches the store.
      pool = new Pool({ connectionString: 'postgres://x@127.0.0.1:1/x' });
      const storage = storageOn(pool);
      const services = createServices({
        storage,
        registry: testRegistry(),
        migrations: [],
        config: { baseUrl: 'http://kolibri.test/fhir', updateCreate: true },
        softwareVersion: 'test',
        modules: [telemedicineModule(), futModule(), futReportingModule({ jobs: storage.jobs }), futRecordsModule()],
      });
      const auth = new AuthService({
        // with an admin token, so the admin API's routes exist to be compared
        settings: loadConfig({ KOLIBRI_ADMIN_TOKEN: 'x'.repeat(40) }).authSettings,
        baseUrl: 'http://kolibri.test/fhir',
        clock: systemClock,
        ...services.authData,
      });
      // mode 'off' so the route knocks below reach the handlers; the auth routes register either way
      app = buildApp({ services, logger: false, maxBodyBytes: 1024 * 1024, auth: { mode: 'off', service: auth, clock: systemClock } });
      await app.ready();
    });

    afterAll(async () => {
      await app?.close();
      await pool?.end();
    });

    it('documents every registered route (405 catch-alls and HEAD-for-GET aside)', async () => {
      // Compared by shape: a route documented under other parameter names is still documented.
      const documented = new Set([...documentedOperations()].map(shape));
      const registered = mockDeclaredRoutes.flatMap((r) =>
        (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({ method, url: r.url as string })),
      );
      expect(registered.length).toBeGreaterThan(0);

      const undocumented: string[] = [];
      for (const { method, url } of registered) {
        const key = `${method} ${toOpenApiPath(url)}`;
        if (documented.has(shape(key))) continue;
        // The docs page's own assets (Swagger UI's static files, JSON/YAML copies of the spec):
        // documented as part of GET /docs, and they must really be served.
        if (url.startsWith('/docs/') && documented.has('GET /docs')) {
          const res = await app.inject({ method: method as 'GET', url: url.replace('*', 'index.css') });
          if (res.statusCode < 400) continue;
        }
        // Fastify answers HEAD for every GET route on its own.
        if (method === 'HEAD' && documented.has(shape(`GET ${toOpenApiPath(url)}`))) continue;
        // `[base]/` is `[base]` (fhir-kit-client posts transactions there): documented with it.
        const bare = toOpenApiPath(url.slice(0, -1));
        if (url.endsWith('/') && documented.has(shape(`${method === 'HEAD' ? 'GET' : method} ${bare}`))) continue;
        // @fastify/cors's catch-all answers preflights (documented in the description), nothing else.
        if (method === 'OPTIONS' && url === '*') {
          const preflight = await app.inject({
            method: 'OPTIONS',
            url: '/fhir/Patient',
            headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
          });
          if (preflight.statusCode === 204 && preflight.headers['access-control-allow-origin'] === '*') continue;
        }
        // A method the spec defines no interaction for: it must really be a 405 with Allow.
        // (An undocumented real route lands here too and fails: it does not answer 405.)
        const res = await app.inject({ method: method as 'GET', url: sampleUrl(url) });
        if (res.statusCode === 405 && res.headers.allow) continue;
        undocumented.push(`${key} (answers ${res.statusCode})`);
      }
      expect(undocumented).toEqual([]);
    });

    it.each([
      ['localhost:9123', 'http://localhost:9123'],
      ['kolibri.test', 'http://kolibri.test'],
      ['kolibri.example.dk:8443', 'http://kolibri.example.dk:8443'],
    ])('serves the document with the request\'s own server (Host %p) in /openapi.yaml and /docs/json', async (host, root) => {
      for (const url of ['/openapi.yaml', '/docs/json', '/docs/yaml']) {
        const res = await app.inject({ method: 'GET', url, headers: { host } });
        expect(res.statusCode).toBe(200);
        const served = parse(res.body) as Spec;
        expect({ url, server: served.servers[0].url }).toEqual({ url, server: root });
        expect(served.components.securitySchemes?.smartBackendServices?.flows?.clientCredentials?.tokenUrl).toBe(`${root}/auth/token`);
        expect(served.paths['/fhir/{type}/{id}'].get?.security ?? served.security).toEqual(spec.security);
      }
      // the file as served keeps its comments and layout: only the two URLs differ
      const yamlText = (await app.inject({ method: 'GET', url: '/openapi.yaml', headers: { host } })).body;
      const file = readFileSync(SPEC_PATH, 'utf8');
      expect(yamlText).toBe(
        file.replace('- url: http://127.0.0.1:8080\n', `- url: ${root}\n`).replace('tokenUrl: http://127.0.0.1:8080/auth/token\n', `tokenUrl: ${root}/auth/token\n`),
      );
    });

    it('registers every documented operation (search may still be landing)', () => {
      const missing = [...documentedOperations()].filter((op) => {
        const [method, path] = op.split(' ');
        return !app.hasRoute({ method: method as 'GET', url: toFastifyPath(path) });
      });
      // Search is documented ahead of its routes; once they are registered this list is empty.
      const notSearch = missing.filter((op) => {
        const [method, path] = op.split(' ');
        return !spec.paths[path][method.toLowerCase() as 'get']?.tags?.includes('search');
      });
      expect(notSearch).toEqual([]);
    });
  });
});
