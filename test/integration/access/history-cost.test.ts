import type { PoolClient, QueryConfig } from 'pg';
import type { AccessPolicy } from '../../../src/auth/access-policy';
import { history, type HistoryCursor, type HistoryQuery } from '../../../src/store/history';
import { buildFixture, call, type Fixture } from './tenants';

/**
 * The cost of a restricted client's type and system history follows what it may see, not what
 * was written: tenant A's patient gets many versions, tenant B's system client asks for
 * Observation and system history since before they were written, and the plan must neither
 * read those versions nor grow with them.
 */

const HIDDEN_VERSIONS = Number(process.env.HISTORY_COST_VERSIONS ?? 50_000);

interface Plan {
  ms: number;
  /** Rows the plan read from resource_version (every scan node on it). */
  versionRows: number;
  buffers: number;
  text: string;
}

/** The statement history() sends for `q`, run under EXPLAIN (ANALYZE, BUFFERS). */
async function explainHistory(f: Fixture, q: HistoryQuery): Promise<Plan> {
  const client: PoolClient = await f.t.pool.connect();
  const sent: QueryConfig[] = [];
  const original = client.query;
  try {
    // record the compiled statements while history runs them on this connection (restored before release)
    client.query = ((...args: unknown[]) => {
      const c = args[0] as QueryConfig;
      if (typeof c === 'object' && c.text) sent.push(c);
      return (original as (...a: unknown[]) => unknown).apply(client, args);
    }) as typeof client.query;
    await history(client, q);
    const statements = sent.filter((c) => /ORDER BY v\.last_updated DESC/.test(c.text));
    if (!statements.length) throw new Error(`no history statement among ${sent.map((c) => c.text.slice(0, 60)).join(' | ')}`);
    const total: Plan = { ms: 0, versionRows: 0, buffers: 0, text: '' };
    for (const statement of statements) {
      const { rows } = await f.t.pool.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`, statement.values);
      const root = rows[0]['QUERY PLAN'][0];
      const walk = (node: any) => {
        const loops = node['Actual Loops'] ?? 1;
        if (node['Relation Name'] === 'resource_version') total.versionRows += ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * loops;
        for (const child of node.Plans ?? []) walk(child);
      };
      walk(root.Plan);
      total.ms += root['Execution Time'];
      total.buffers += (root.Plan['Shared Hit Blocks'] ?? 0) + (root.Plan['Shared Read Blocks'] ?? 0);
      const { rows: textRows } = await f.t.pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, statement.values);
      total.text += `${textRows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n')}\n`;
    }
    return total;
  } finally {
    client.query = original;
    client.release();
  }
}

describe('restricted history cost', () => {
  let f: Fixture;
  let since: string;

  beforeAll(async () => {
    since = new Date(Date.now() - 60 * 60 * 1000).toISOString();
    f = await buildFixture({ ownDatabase: 'histcost' });
    // A's patients: HIDDEN_VERSIONS Observations of one version each, written in the last hour,
    // spread over its patient and 999 more of its compartments, owned by A as the API writes
    // them, and as many AuditEvents about them, owned by no one and carrying their patient in
    // access_patients as the audit drainer writes them (audit.test.ts; seeded in SQL for speed)
    const seed = (type: string, prefix: string, owner: string | null, carriesPatient: boolean) =>
      f.t.pool.query(
        `WITH made AS (
           INSERT INTO resource (resource_type, id, version_id, last_updated, content, owner, access_patients)
           SELECT $4::text, $5::text || g, 1, now() - (g % 3000) * interval '1 second',
                  json_build_object('resourceType', $4::text, 'id', $5::text || g,
                    'subject', json_build_object('reference', 'Patient/' || patient))::text, $1::text,
                  CASE WHEN $6::boolean THEN ARRAY[patient] END
             FROM generate_series(1, $3::int) g,
                  LATERAL (SELECT CASE WHEN g % 1000 = 0 THEN $2::text ELSE 'hc-p-' || (g % 1000) END AS patient) p
           RETURNING rid, id, last_updated, content, substring(content from '"Patient/([^"]+)"') AS patient
         ), versions AS (
           INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
           SELECT $4::text, id, 1, last_updated, 'POST', content FROM made
         )
         INSERT INTO resource_compartment (rid, compartment_type, compartment_id, resource_type)
         SELECT rid, 'Patient', patient, $4::text FROM made`,
        [owner, f.a.ids.patient, HIDDEN_VERSIONS, type, prefix, carriesPatient],
      );
    await seed('Observation', 'hc-', f.a.org, false);
    await seed('AuditEvent', 'ha-', null, true);
    // and one AuditEvent about no patient, written with authentication off: owned by no one, in no
    // compartment, so every staff client sees it (README, "Access control and audit")
    await f.t.pool.query(
      `WITH made AS (
         INSERT INTO resource (resource_type, id, version_id, last_updated, content)
         VALUES ('AuditEvent', 'ha-unassigned', 1, now() - interval '10 minutes', '{"resourceType":"AuditEvent","id":"ha-unassigned"}')
         RETURNING id, last_updated, content)
       INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
       SELECT 'AuditEvent', id, 1, last_updated, 'POST', content FROM made`,
    );
    await f.t.pool.query('ANALYZE resource; ANALYZE resource_version; ANALYZE resource_compartment');
  }, 300_000);
  afterAll(() => f?.t.close());

  const policyB = () => ({ kind: 'organization', organizationId: f.b.org }) as const;
  const deps = () => f.t.services.interactions.accessDeps;

  it('B sees its own Observations in type history and none of the hidden ones', async () => {
    const res = await call(f.t, f.b.tokens.system, 'GET', `/fhir/Observation/_history?_since=${encodeURIComponent(since)}&_count=50`);
    expect(res.status).toBe(200);
    const ids = (res.json().entry ?? []).map((e: any) => e.resource?.id ?? e.request?.url);
    expect(ids).toContain(f.b.ids.observation);
    expect(ids.some((id: string) => String(id).startsWith('hc-'))).toBe(false);
    const mine = await call(f.t, f.a.tokens.system, 'GET', `/fhir/Observation/_history?_since=${encodeURIComponent(since)}&_count=50`);
    expect((mine.json().entry ?? []).some((e: any) => String(e.resource?.id).startsWith('hc-'))).toBe(true);
  });

  it("B's AuditEvent history holds the one about no patient and none of A's", async () => {
    const res = await call(f.t, f.b.tokens.system, 'GET', `/fhir/AuditEvent/_history?_since=${encodeURIComponent(since)}&_count=50`);
    expect(res.status).toBe(200);
    const ids = (res.json().entry ?? []).map((e: any) => String(e.resource?.id));
    expect(ids).toContain('ha-unassigned');
    expect(ids.filter((id: string) => id.startsWith('ha-') && id !== 'ha-unassigned')).toEqual([]);
    // A reaches its own patient: the AuditEvents about it, through its compartment
    const mine = await call(f.t, f.a.tokens.system, 'GET', `/fhir/AuditEvent/_history?_since=${encodeURIComponent(since)}&_count=50`);
    expect((mine.json().entry ?? []).filter((e: any) => /^ha-\d+$/.test(String(e.resource?.id))).length).toBeGreaterThan(0);
  });

  // A's AuditEvents, owned by no one, are no candidates of B's: they carry their patients in
  // access_patients, and rows of no owner are candidates only without it
  for (const level of ['Observation', 'AuditEvent', 'system'] as const) {
    it(`B's ${level} history reads a bounded number of A's versions`, async () => {
      const q: HistoryQuery = { ...(level === 'system' ? {} : { resourceType: level }), since, count: 50, access: deps().searchFilter(policyB()) };
      const walk = await explainHistory(f, q);
      const plan = await explainHistory(f, { ...q, candidates: deps().historyCandidates?.(policyB()) });
      process.stdout.write(
        `${level} history of B over ${HIDDEN_VERSIONS} hidden versions: timeline walk ${walk.ms.toFixed(1)} ms, ${walk.versionRows} resource_version rows, ${walk.buffers} buffers; ` +
          `from candidates ${plan.ms.toFixed(1)} ms, ${plan.versionRows} resource_version rows, ${plan.buffers} buffers\n${plan.text}\n`,
      );
      // the bounded walk (500 versions), the candidates and B's few versions: not A's 50 000
      expect(plan.versionRows).toBeLessThan(1000);
      expect(plan.buffers).toBeLessThan(10_000);
    }, 120_000);
  }

  it('starting from candidates pages exactly as the timeline walk does, for every policy kind', async () => {
    // a deleted and a twice-updated resource of B's, so that tombstones and older versions are paged too
    const obs = f.b.resources.observation;
    for (const status of ['amended', 'corrected']) {
      const res = await call(f.t, f.b.tokens.system, 'PUT', `/fhir/Observation/${obs.id}`, { ...obs, status });
      expect(res.status).toBe(200);
    }
    expect((await call(f.t, f.b.tokens.system, 'DELETE', `/fhir/Bundle/${f.b.ids.bundle}`)).status).toBeLessThan(300);
    const policies: Array<[string, AccessPolicy]> = [
      ['B system', policyB()],
      ['A system', { kind: 'organization', organizationId: f.a.org }],
      ['A care team', { kind: 'care-team', careTeamId: f.a.ids.careTeam, organizationId: f.a.org }],
      ['A other team', { kind: 'care-team', careTeamId: f.a.otherTeam.careTeam, organizationId: f.a.org }],
      ['A citizen', { kind: 'patient', patientId: f.a.ids.patient }],
      ['operator', { kind: 'operator', organizationId: f.operatorOrg }],
    ];
    const levels = [undefined, 'Observation', 'AuditEvent', 'Patient', 'Organization', 'Binary', 'Bundle', 'Provenance', 'Questionnaire'];
    const mismatches: string[] = [];
    for (const [name, policy] of policies) {
      for (const resourceType of levels) {
        for (const sinceAt of [undefined, since]) {
          const base: HistoryQuery = { resourceType, since: sinceAt, count: 7, access: deps().searchFilter(policy) };
          const candidates = deps().historyCandidates?.(policy);
          let cursor: HistoryCursor | undefined;
          // five pages: A's clients see the 50 000 versions, beyond them the walk pages alike
          for (let page = 0; page < 5; page++) {
            const walk = await history(f.t.pool, { ...base, cursor });
            const started = await history(f.t.pool, { ...base, cursor, candidates });
            const key = (p: typeof walk) => JSON.stringify([p.entries.map((e) => `${e.resourceType}/${e.id}/${e.versionId}`), p.next]);
            if (key(walk) !== key(started)) mismatches.push(`${name} ${resourceType ?? 'system'} since=${sinceAt ?? '-'} page ${page}: ${key(walk)} vs ${key(started)}`);
            if (!walk.next) break;
            cursor = walk.next;
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 120_000);
});
