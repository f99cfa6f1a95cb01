import { nonCprUuid } from './ids';
import { Client } from 'pg';
import { testDatabaseUrl } from './app';

/** A fresh, empty database on the test server (e.g. to run migrations from nothing); returns its URL. */
export async function freshDatabase(): Promise<string> {
  const name = `kolibri_m_${nonCprUuid().replace(/-/g, '').slice(0, 12)}`;
  const admin = new Client({ connectionString: testDatabaseUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}
