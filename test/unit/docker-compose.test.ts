import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * No Docker engine runs where these tests run, so the operator files are checked as text:
 * docker-compose.yml parses and wires the services as the README promises, and the Dockerfile
 * is multi-stage, unprivileged and health-checked.
 */
const ROOT = join(__dirname, '..', '..');

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  environment?: Record<string, string> | string[];
  ports?: Array<string | { target: number; published?: string | number; host_ip?: string }>;
  volumes?: Array<string | { type: string; source: string; target: string }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test: string | string[]; interval?: string; retries?: number };
  secrets?: Array<string | { source: string; target?: string }>;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string; environment?: string; external?: boolean }>;
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as Compose;
const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };

/** Environment as a map, whichever of the two compose notations is used. */
function env(service: Service): Record<string, string> {
  const e = service.environment ?? {};
  if (!Array.isArray(e)) return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
  return Object.fromEntries(e.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}
const healthTest = (s: Service) => [s.healthcheck?.test ?? []].flat().join(' ');

describe('docker-compose.yml', () => {
  const { db, kolibri } = compose.services;

  it('has a database and a Kolibri service', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['db', 'kolibri']);
  });

  it('runs the official postgres image with a named volume and a pg_isready healthcheck', () => {
    expect(db.image).toMatch(/^postgres:16(\b|$)/);
    expect(healthTest(db)).toContain('pg_isready');
    const mounts = (db.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':') : [v.source, v.target]));
    const data = mounts.find(([, target]) => target === '/var/lib/postgresql/data');
    expect(data).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(data?.[0]);
    expect(env(db).POSTGRES_DB).toBeTruthy();
  });

  it('builds Kolibri from the Dockerfile and starts it after the database is healthy', () => {
    const build = typeof kolibri.build === 'string' ? { context: kolibri.build } : kolibri.build;
    expect(build?.context).toBe('.');
    expect(build?.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    expect(kolibri.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    expect(healthTest(kolibri)).toContain('/healthz');
  });

  it('listens on all interfaces in the container, reaches the db service and publishes 8080', () => {
    const e = env(kolibri);
    expect(e.HOST).toBe('0.0.0.0');
    const url = new URL(e.DATABASE_URL.replace(/\$\{[^}]*\}/g, 'x'));
    expect(url.protocol).toMatch(/^postgres(ql)?:$/);
    expect(url.hostname).toBe('db');
    expect(url.pathname).toBe(`/${env(db).POSTGRES_DB}`);
    expect(e.BASE_URL).toBeTruthy();
    const ports = (kolibri.ports ?? []).map((p) => (typeof p === 'string' ? p : `${p.published}:${p.target}`));
    expect(ports.some((p) => p.endsWith(':8080'))).toBe(true);
  });

  it('hands the admin token to Kolibri as a Docker secret file, never as a literal', () => {
    const file = env(kolibri).KOLIBRI_ADMIN_TOKEN_FILE;
    expect(file).toMatch(/^\/run\/secrets\/[\w.-]+$/);
    const name = file.slice('/run/secrets/'.length);
    const granted = (kolibri.secrets ?? []).map((s) => (typeof s === 'string' ? s : s.target ?? s.source));
    expect(granted).toContain(name);
    const secret = compose.secrets?.[name];
    expect(secret?.environment ?? secret?.file ?? (secret?.external ? 'external' : undefined)).toBeTruthy();
    expect(env(kolibri).KOLIBRI_ADMIN_TOKEN).toBeUndefined();
  });

  it('has no comment saying requests are unauthenticated', () => {
    expect(composeText).not.toMatch(/until the auth issue lands|unauthenticated/i);
  });

  it('never switches authentication off', () => {
    for (const service of Object.values(compose.services)) {
      expect(env(service).KOLIBRI_AUTH?.toLowerCase()).not.toBe('off');
    }
  });
});

describe('Dockerfile', () => {
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = instructions.filter((l) => /^FROM\s/i.test(l));
  const runtime = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1]));

  it('is a multi-stage build whose last stage copies the build output from an earlier one', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(instructions.some((l) => /^RUN .*npm ci/.test(l) && !/--omit=dev/.test(l))).toBe(true);
    expect(instructions.some((l) => /^RUN .*npm run build/.test(l))).toBe(true);
    expect(runtime.some((l) => /^RUN .*npm ci .*--omit=dev/.test(l))).toBe(true);
    expect(runtime.some((l) => /^COPY --from=\S+ \S*dist/.test(l))).toBe(true);
    // everything the server reads at start (version.ts, definitions, $rollout-report targets, /docs) and the CLI launcher
    for (const dir of ['migrations', 'fhir-profiles', 'package.json', 'config', 'openapi.yaml', 'bin']) {
      expect({ dir, copied: runtime.some((l) => l.startsWith('COPY') && l.includes(dir)) }).toEqual({ dir, copied: true });
    }
  });

  it('puts the operator CLI on PATH as `kolibri` (docker compose exec kolibri kolibri …)', () => {
    expect(runtime).toContain('RUN ln -s /app/bin/kolibri.js /usr/local/bin/kolibri');
    expect(pkg.scripts.start).toContain('node --import tsx src/main.ts');
  });

  it('installs no dev-only package in the image: tsx and the test tools are devDependencies', () => {
    for (const dev of ['tsx', 'jest', 'ts-jest', 'typescript', 'testcontainers', '@types/node']) {
      expect({ dev, runtime: dev in pkg.dependencies, development: dev in pkg.devDependencies }).toEqual({ dev, runtime: false, development: true });
    }
  });

  it('runs as a non-root user', () => {
    const users = runtime.filter((l) => /^USER\s/i.test(l));
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^USER\s+(root|0)(:|\s|$)/i);
  });

  it('has a HEALTHCHECK on /healthz and starts the compiled server', () => {
    expect(runtime.some((l) => /^HEALTHCHECK\s.*\/healthz/.test(l))).toBe(true);
    expect(runtime).toContain('CMD ["node", "dist/main.js"]');
  });
});
