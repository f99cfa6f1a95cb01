import { nonCprUuid } from '../../support/ids';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { compileSearch } from '../../../src/store/search/compile';
import { parseSearch } from '../../../src/fhir/search/parse';
import { migrate, readMigrations } from '../../../src/store/migrate';
import { createPool } from '../../../src/store/pool';
import { preparedNames, statementName } from '../../../src/store/prepared';
import { runSearch } from '../../../src/store/search';
import { createTestApp, testDatabaseUrl, testRegistry, TEST_BASE_URL, type TestApp } from '../../support/app';
import { freshDatabase, type FreshDatabase } from '../ops/fresh-database';
import { create } from './search-helpers';

const json = { 'content-type': 'application/fhir+json' };

/** A patient with SpO2 and pulse Observations on consecutive days. */
async function patientWithVitals(t: TestApp, days: number): Promise<string> {
  const patient = await create(t, { resourceType: 'Patient', name: [{ family: `P-${nonCprUuid()}` }] });
  for (let d = 0; d < days; d++) {
    for (const code of ['NPU03011', 'NPU21692']) {
      await create(t, {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code }] },
        subject: { reference: `Patient/${patient}` },
        effectiveDateTime: `2026-01-${String(d + 1).padStart(2, '0')}T08:00:00Z`,
        valueQuantity: { value: 90 + d, unit: '%' },
      });
    }
  }
  return patient;
}

const queries = (patient: string) => [
  `/fhir/Observation?subject=Patient/${patient}&code=urn:oid:1.2.208.176.2.1|NPU03011&_sort=-date&_count=3`,
  `/fhir/Observation?subject=Patient/${patient}&_sort=date&_count=4&_total=accurate`,
  `/fhir/Observation?subject=Patient/${patient}&code=NPU21692&_include=Observation:subject`,
  `/fhir/Patient?_id=${patient}&_revinclude=Observation:subject&_count=2`,
  `/fhir/Observation/$lastn?subject=Patient/${patient}&max=2`,
];

/** What a search answer says, without its per-response parts (Bundle id, timestamps). */
function gist(bundle: Bundle) {
  return { total: bundle.total, entries: (bundle.entry ?? []).map((e) => [e.fullUrl, e.search?.mode]), links: (bundle.link ?? []).map((l) => l.relation) };
}

describe('prepared statements per search shape', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('answer as the first run did over many runs (past the switch to a generic plan), for two patients', async () => {
    const [a, b] = [await patientWithVitals(t, 5), await patientWithVitals(t, 2)];
    for (const patient of [a, b]) {
      const first = await Promise.all(queries(patient).map(async (url) => gist((await t.app.inject({ url })).json())));
      expect(first[0].entries).toHaveLength(patient === a ? 3 : 2);
      for (let run = 0; run < 8; run++) {
        for (const [i, url] of queries(patient).entries()) {
          const res = await t.app.inject({ url });
          expect(res.statusCode).toBe(200);
          expect(gist(res.json())).toEqual(first[i]);
        }
      }
    }
  });

  it('keep at most the configured number of shapes per connection, least recently used out first', async () => {
    const pool = createPool({ connectionString: testDatabaseUrl(), max: 1, preparedStatements: 3 });
    try {
      const patient = await patientWithVitals(t, 1);
      const shapes = ['code=NPU03011', 'code=NPU03011,NPU21692', 'code=a,b,c', 'code=a,b,c,d', 'code=a,b,c,d,e'];
      const texts: string[] = [];
      for (const shape of shapes) {
        const { request } = parseSearch(
          { resourceType: 'Observation', params: [...new URLSearchParams(`subject=Patient/${patient}&${shape}`).entries()] },
          { registry: testRegistry(), baseUrl: TEST_BASE_URL },
        );
        const compiled = compileSearch(request);
        texts.push(compiled.match!.text);
        const result = await runSearch(pool, request, compiled);
        expect(result.matches).toHaveLength(shape.includes('NPU') ? (shape.includes(',') ? 2 : 1) : 0);
      }
      const client = await pool.connect();
      try {
        expect(preparedNames(client)).toEqual(texts.slice(2).map(statementName));
        const { rows } = await client.query(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'k%'`);
        expect(rows.map((r) => r.name).sort()).toEqual(texts.slice(2).map(statementName).sort());
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });
});

describe('prepared statements after a schema change', () => {
  let db: FreshDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await freshDatabase('kolibri_prepared');
    const pool = createPool({ connectionString: db.url, max: 1 });
    await migrate(pool, readMigrations(join(__dirname, '..', '..', '..', 'migrations')));
    await pool.end();
    t = await createTestApp({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('answers 200 with the same results when a column type changed under the prepared statements', async () => {
    const patient = await patientWithVitals(t, 3);
    const before: unknown[] = [];
    for (let run = 0; run < 7; run++) {
      for (const [i, url] of queries(patient).entries()) before[i] = gist((await t.app.inject({ url })).json());
    }
    const read = await t.app.inject({ url: `/fhir/Patient/${patient}` });
    expect(read.statusCode).toBe(200);
    // binary compatible: no rewrite, but every prepared statement's result type changes
    await t.pool.query('ALTER TABLE resource ALTER COLUMN content TYPE varchar');
    // every connection of the pool may hold the old statements: more requests than connections
    for (let run = 0; run < 3; run++) {
      const answers = await Promise.all(queries(patient).map((url) => t.app.inject({ url })));
      for (const [i, res] of answers.entries()) {
        expect(res.statusCode).toBe(200);
        expect(gist(res.json())).toEqual(before[i]);
      }
      const again = await t.app.inject({ url: `/fhir/Patient/${patient}` });
      expect(again.statusCode).toBe(200);
      expect(again.body).toBe(read.body);
    }
    // a search inside a transaction (conditional create) is retried as a whole
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: `urn:uuid:${nonCprUuid()}`,
          resource: { resourceType: 'Patient', name: [{ family: 'again' }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: `_id=${patient}` },
        },
      ],
    };
    for (let run = 0; run < 3; run++) {
      const res = await t.app.inject({ method: 'POST', url: '/fhir', headers: json, payload: bundle });
      expect(res.json().entry[0].response.status).toBe('200 OK');
    }
    await t.pool.query('ALTER TABLE resource ALTER COLUMN content TYPE text');
    const tx = await t.app.inject({ method: 'POST', url: '/fhir', headers: json, payload: bundle });
    expect(tx.statusCode).toBe(200);
    expect(tx.json().entry[0].response.status).toBe('200 OK');
  });
});
