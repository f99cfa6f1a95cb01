import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkRegistration } from '../auth/client-registration';
import { KeyRing } from '../auth/key-ring';
import { systemClock } from '../clock';
import { loadConfig } from '../config';
import { migrate, readMigrations } from '../store/migrate';
import { migrationsDir } from '../version';
import { generateClientKey } from './client-keygen';
import { withDatabase } from './database';
import { reportFailure } from './failure';

const USAGE = `Usage: kolibri clients <command>
  add --id <client_id> --kind system|clinician|citizen|operator --organization Organization/<id>
      --scopes "<scope> <scope>…" (--jwks <file.json> | --jwks - | --jwks-uri <url>) [--name <text>]
                        --jwks - reads the JWKS from stdin (docker compose exec -T … < file)
      [--patient Patient/<id>]   the patient a citizen client acts for (required for citizen)
  list [--json]
  revoke <client_id>
  rotate-key            new server signing key (old keys verify until their tokens expire)
  keygen --out <prefix> [--alg ES384|RS384|ES256|RS256] [--kid <kid>]
                        a vendor key pair: <prefix>.private.jwk.json (0600, signs the client
                        assertions) and <prefix>.jwks.json (register it with add --jwks);
                        needs no database
Uses DATABASE_URL, else the embedded database in KOLIBRI_DATA_DIR: the running server's when one
holds that folder, or one started for the command. (Or the admin API /admin/clients of a server.)`;

/**
 * `kolibri clients add|list|revoke|rotate-key|keygen`: the client registry from the command line.
 * `env` is the environment the configuration is read from (tests pass their database).
 */
export async function run(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  try {
    return await clients(argv, env);
  } catch (err) {
    return reportFailure('kolibri clients', err);
  }
}

async function clients(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      id: { type: 'string' },
      kind: { type: 'string' },
      organization: { type: 'string' },
      patient: { type: 'string' },
      scopes: { type: 'string' },
      jwks: { type: 'string' },
      'jwks-uri': { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      alg: { type: 'string' },
      kid: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, arg] = positionals;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!command || !['add', 'list', 'revoke', 'rotate-key', 'keygen'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (command === 'keygen') {
    if (!values.out) {
      process.stderr.write(`kolibri clients keygen: --out <prefix> is required\n`);
      return 2;
    }
    const key = await generateClientKey({ alg: values.alg, kid: values.kid, out: values.out });
    process.stdout.write(`${key.alg} key ${key.kid}\n  private: ${key.privateFile} (keep it secret)\n  public:  ${key.jwksFile} (register: kolibri clients add … --jwks ${key.jwksFile})\n`);
    return 0;
  }
  let registration: NonNullable<ReturnType<typeof checkRegistration>['client']> | undefined;
  if (command === 'add') {
    const { client, problems } = checkRegistration({
      clientId: values.id,
      kind: values.kind,
      organization: values.organization,
      patient: values.patient,
      scopes: values.scopes,
      jwks: values.jwks ? JSON.parse(readFileSync(values.jwks === '-' ? 0 : values.jwks, 'utf8')) : undefined,
      jwksUri: values['jwks-uri'],
      name: values.name,
    });
    if (!client) {
      process.stderr.write(`kolibri clients add: ${problems.join('; ')}\n`);
      return 2;
    }
    registration = client;
  }
  if (command === 'revoke' && !arg) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }

  const config = loadConfig(env);
  return withDatabase(config, async (db) => {
    if (config.migrateOnStart) await migrate(db.pool, readMigrations(migrationsDir));
    const { clients, keys } = db.storage.auth;
    if (registration) {
      const added = await clients.add(registration);
      process.stdout.write(`registered ${added.clientId} (${[added.kind, added.organization, added.patient].filter(Boolean).join(', ')})\n`);
    } else if (command === 'list') {
      const all = await clients.list();
      if (values.json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
      else for (const c of all) process.stdout.write(`${c.clientId}\t${c.status}\t${c.kind}\t${c.organization}\t${c.patient ?? '-'}\t${c.scopes.join(' ')}\n`);
    } else if (command === 'revoke') {
      const revoked = await clients.revoke(arg);
      if (!revoked) {
        process.stderr.write(`kolibri clients revoke: no client '${arg}'\n`);
        return 1;
      }
      process.stdout.write(`revoked ${revoked.clientId}\n`);
    } else {
      const s = config.authSettings;
      const ring = new KeyRing(keys, {
        alg: s.signingAlg,
        rotationDays: s.signingKeyRotationDays,
        tokenTtlSeconds: s.accessTokenTtlSeconds,
        clock: systemClock,
      });
      process.stdout.write(`new signing key ${await ring.rotate()}\n`);
    }
    return 0;
  });
}

if (require.main === module) void run(process.argv.slice(2)).then((code) => process.exit(code));
