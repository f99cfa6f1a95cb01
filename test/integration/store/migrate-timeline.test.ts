import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { IndexExtractor } from '../../../src/fhir/search/extract';
import { timelineKeys } from '../../../src/fhir/search/timeline';
import { migrate, readMigrations } from '../../../src/store/migrate';
import { createPool } from '../../../src/store/pool';
import { testRegistry, TEST_BASE_URL } from '../../support/app';
import { freshDatabase } from '../../support/fresh-database';

/**
 * migrations/010_timeline_sort_keys.sql on a database written before it: every reference row
 * gets the sort keys the index writer computes today, and a resource's duplicate reference rows
 * (one target twice under one parameter) become one; 025_compartment_timeline.sql gives the
 * compartment rows the member's type and the same keys, and a Task's reference rows its state and rank.
 */

const resources: Resource[] = [
  {
    resourceType: 'Observation',
    id: 'o1',
    status: 'final',
    code: { text: 'x' },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2026-05-01T08:00:00+02:00',
    performer: [{ reference: 'Patient/p1' }, { reference: 'Patient/p1' }],
  },
  { resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' }, effectivePeriod: { start: '2026-04', end: '2026-05-02' } },
  { resourceType: 'Observation', id: 'o3', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' } },
  { resourceType: 'Task', id: 't1', status: 'requested', intent: 'order', priority: 'asap', owner: { reference: 'CareTeam/c1' }, authoredOn: '2026-05-03T10:00:00Z' },
  { resourceType: 'QuestionnaireResponse', id: 'q1', status: 'completed', subject: { reference: 'Patient/p1' }, authored: '2026-05-04' },
];

it('backfills the timeline sort keys of reference rows written before it, and drops duplicate rows', async () => {
  const pool = createPool({ connectionString: await freshDatabase(), max: 2 });
  const all = readMigrations(join(__dirname, '..', '..', '..', 'migrations'));
  const extractor = new IndexExtractor(testRegistry(), { baseUrl: TEST_BASE_URL });
  try {
    await migrate(pool, all.filter((m) => m.version < 10));
    const rids = new Map<string, string>();
    for (const resource of resources) {
      const { rows } = await pool.query(
        `INSERT INTO resource (resource_type, id, version_id, last_updated, content) VALUES ($1, $2, 1, now(), $3) RETURNING rid`,
        [resource.resourceType, resource.id, JSON.stringify(resource)],
      );
      const rid = String(rows[0].rid);
      rids.set(resource.id!, rid);
      const index = extractor.extract(resource);
      // as the writer before migration 010 wrote them: every value, duplicates included
      const references = [...index.reference];
      if (resource.id === 'o1') references.push({ ...references.find((r) => r.targetId === 'p1' && r.param !== references[0].param)! });
      await pool.query(
        `INSERT INTO search_date (rid, param, grp, low, high) SELECT $1, * FROM unnest($2::int[], $3::smallint[], $4::timestamptz[], $5::timestamptz[])`,
        [rid, index.date.map((d) => d.param), index.date.map((d) => d.grp), index.date.map((d) => d.low), index.date.map((d) => d.high)],
      );
      await pool.query(
        `INSERT INTO search_reference (rid, param, grp, target_type, target_id, url) SELECT $1, * FROM unnest($2::int[], $3::smallint[], $4::text[], $5::text[], $6::text[])`,
        [rid, references.map((r) => r.param), references.map((r) => r.grp), references.map((r) => r.targetType), references.map((r) => r.targetId), references.map((r) => r.url)],
      );
      await pool.query(`INSERT INTO search_token (rid, param, grp, system, value) SELECT $1, * FROM unnest($2::int[], $3::smallint[], $4::text[], $5::text[])`, [
        rid,
        index.token.map((x) => x.param),
        index.token.map((x) => x.grp),
        index.token.map((x) => x.system),
        index.token.map((x) => x.value),
      ]);
      // compartment rows as written before migration 025: no type, no keys
      await pool.query(`INSERT INTO resource_compartment (rid, compartment_type, compartment_id) SELECT $1, 'Patient', id FROM unnest($2::text[]) AS x(id)`, [
        rid,
        index.compartment.map((c) => c.id),
      ]);
    }
    await migrate(pool, all);

    // migration 025: compartment rows get the member's type and the keys its reference rows carry
    const { rows: members } = await pool.query(
      `SELECT r.id, c.resource_type, (c.sort_desc AT TIME ZONE 'UTC')::text AS d, (c.sort_asc AT TIME ZONE 'UTC')::text AS a
         FROM resource_compartment c JOIN resource r ON r.rid = c.rid ORDER BY r.id`,
    );
    // and a Task's reference rows its state and rank (the extractor's values), other types' none
    const { rows: queue } = await pool.query(
      `SELECT DISTINCT r.id, x.state, x.sort_rank::text AS rank FROM search_reference x JOIN resource r ON r.rid = x.rid WHERE r.id IN ('t1', 'o2') ORDER BY r.id`,
    );
    const t1 = extractor.extract(resources.find((r) => r.id === 't1')!).reference[0];
    expect(queue.map((q) => [q.id, q.state, q.rank])).toEqual([
      ['o2', null, null],
      ['t1', 'requested', '2'],
    ]);
    expect([t1.state, t1.sortRank]).toEqual(['requested', '2']);
    expect(members.map((m) => [m.id, m.resource_type, m.d, m.a])).toEqual([
      ['o1', 'Observation', '2026-05-01 06:00:01', '2026-05-01 06:00:00'],
      ['o2', 'Observation', '2026-05-03 00:00:00', '2026-04-01 00:00:00'],
      ['o3', 'Observation', '-infinity', 'infinity'],
      ['q1', 'QuestionnaireResponse', '2026-05-05 00:00:00', '2026-05-04 00:00:00'],
    ]);

    for (const resource of resources) {
      const expected = timelineKeys(resource.resourceType, extractor.extract(resource));
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE sort_desc = $2::timestamptz AND sort_asc = $3::timestamptz)::int AS right,
                count(DISTINCT (param, grp, target_type, target_id))::int AS distinct_targets
           FROM search_reference WHERE rid = $1`,
        [rids.get(resource.id!), expected.desc, expected.asc],
      );
      expect(rows[0].n).toBeGreaterThan(0);
      expect(rows[0]).toEqual({ n: rows[0].n, right: rows[0].n, distinct_targets: rows[0].n });
    }
    // the values themselves, not only agreement with the extractor
    const { rows } = await pool.query(
      `SELECT r.id, (min(x.sort_desc) AT TIME ZONE 'UTC')::text AS d, (min(x.sort_asc) AT TIME ZONE 'UTC')::text AS a FROM search_reference x JOIN resource r ON r.rid = x.rid GROUP BY r.id ORDER BY r.id`,
    );
    // in UTC, whatever the session's time zone
    expect(rows.map((r) => [r.id, r.d, r.a])).toEqual([
      ['o1', '2026-05-01 06:00:01', '2026-05-01 06:00:00'],
      ['o2', '2026-05-03 00:00:00', '2026-04-01 00:00:00'],
      ['o3', '-infinity', 'infinity'],
      ['q1', '2026-05-05 00:00:00', '2026-05-04 00:00:00'],
      ['t1', '2026-05-03 10:00:01', '2026-05-03 10:00:00'],
    ]);
  } finally {
    await pool.end();
  }
});
