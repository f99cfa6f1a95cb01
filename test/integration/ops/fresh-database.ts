import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { testDatabaseUrl } from '../../support/app';

/** An empty database of its own on the test PostgreSQL (no migrations, no keys), and how to drop it. */
export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A new database next to the shared test database, for tests that need what a first start sees:
 * the shared one already holds keys and clients from other tests.
 */
export async function freshDatabase(prefix = 'kolibri_ops'): Promise<FreshDatabase> {
  const admin = testDatabaseUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // WITH (FORCE): a server that failed to stop may still hold connections (PostgreSQL 13+)
    drop: () => withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withClient<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
