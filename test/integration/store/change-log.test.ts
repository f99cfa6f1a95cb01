import { nonCprUuid } from '../../support/ids';
import { eventually } from '../../support/eventually';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../support/app';
import { spo2Observation } from '../../support/spo2';
import { consumeChanges, openCursorAtEnd, pruneChanges, type ChangeEntry } from '../../../src/store/change-log';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

/**
 * The change log: every committed version, whatever the write path, gets one row written with
 * it; a refused write gets none; consumers read in an order that never skips a row committed
 * late, each with its own cursor, one instance at a time.
 */
describe('change log', () => {
  let t: TestApp;
  const orgA = nonCprUuid();
  const orgB = nonCprUuid();
  const tok = { sysA: '', sysB: '' };
  let patientA = '';

  const call = (token: string, method: string, url: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'POST',
      url,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const logOf = async (type: string, id: string) =>
    (
      await t.pool.query(`SELECT version_id, operation, owner FROM change_log WHERE resource_type = $1 AND id = $2 ORDER BY txid, seq`, [type, id])
    ).rows;
  /** Everything consumer `name` reads now, of the given ids. */
  const drain = async (name: string, ids: ReadonlySet<string>) => {
    const seen: ChangeEntry[] = [];
    while ((await consumeChanges(t.pool, name, 500, async (changes) => void seen.push(...changes))) > 0);
    return seen.filter((c) => ids.has(c.id));
  };

  /**
   * drain until `count` changes of `ids` came (an older transaction anywhere in the cluster, of a
   * test file running alongside, holds every consumer back until it ends: seconds on a loaded
   * machine).
   */
  const drainUntil = async (name: string, ids: ReadonlySet<string>, count: number) => {
    const seen: ChangeEntry[] = [];
    await eventually(
      async () => {
        seen.push(...(await drain(name, ids)));
        return seen.length >= count;
      },
      { intervalMs: 50 },
    );
    return seen;
  };

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on', updateCreate: true });
    const seed = async (r: Resource) => (await t.services.store.transaction((tx) => tx.create(r))).id;
    patientA = await seed({ resourceType: 'Patient', name: [{ family: 'A' }] });
    await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patientA}` }, managingOrganization: { reference: `Organization/${orgA}` } });
    const sysA = await registerVendorApp(t, { organization: `Organization/${orgA}`, scopes: ['system/*.cruds'] });
    const sysB = await registerVendorApp(t, { organization: `Organization/${orgB}`, scopes: ['system/*.cruds'] });
    tok.sysA = await accessToken(t, sysA, 'system/*.cruds');
    tok.sysB = await accessToken(t, sysB, 'system/*.cruds');
  });
  afterAll(() => t.close());

  it('records create, update, patch and delete through the single statements, with the owner', async () => {
    const created = await call(tok.sysA, 'POST', '/fhir/Observation', spo2Observation(patientA, 91));
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const body = created.json();
    expect((await call(tok.sysA, 'PUT', `/fhir/Observation/${id}`, { ...body, valueQuantity: { ...body.valueQuantity, value: 92 } })).statusCode).toBe(200);
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/fhir/Observation/${id}`,
      headers: { authorization: `Bearer ${tok.sysA}`, 'content-type': 'application/json-patch+json' },
      payload: JSON.stringify([{ op: 'replace', path: '/status', value: 'amended' }]),
    });
    expect(patched.statusCode).toBe(200);
    expect((await call(tok.sysA, 'DELETE', `/fhir/Observation/${id}`)).statusCode).toBe(200);
    expect(await logOf('Observation', id)).toEqual([
      { version_id: 1, operation: 'create', owner: orgA },
      { version_id: 2, operation: 'update', owner: orgA },
      { version_id: 3, operation: 'update', owner: orgA },
      { version_id: 4, operation: 'delete', owner: orgA },
    ]);
  });

  it('records a transaction bundle’s creates, updates and deletes, and re-creation after deletion as a create', async () => {
    const kept = nonCprUuid();
    const gone = (await call(tok.sysA, 'POST', '/fhir/Observation', spo2Observation(patientA, 93))).json().id as string;
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: `urn:uuid:${kept}`, resource: spo2Observation(patientA, 94), request: { method: 'POST', url: 'Observation' } },
        { request: { method: 'DELETE', url: `Observation/${gone}` } },
      ],
    };
    const res = await call(tok.sysA, 'POST', '/fhir', bundle);
    expect(res.statusCode).toBe(200);
    const newId = /Observation\/([^/]+)/.exec(res.json().entry[0].response.location)?.[1] as string;
    expect(await logOf('Observation', newId)).toEqual([{ version_id: 1, operation: 'create', owner: orgA }]);
    expect(await logOf('Observation', gone)).toEqual([
      { version_id: 1, operation: 'create', owner: orgA },
      { version_id: 2, operation: 'delete', owner: orgA },
    ]);
    // in a transaction, a PUT on the deleted resource re-creates it, and one at a new id creates it
    const fresh = nonCprUuid();
    await t.services.store.transaction(async (tx) => {
      await tx.update({ ...spo2Observation(patientA, 95), id: gone } as Resource, { allowCreate: true });
      await tx.update({ ...spo2Observation(patientA, 95), id: fresh } as Resource, { allowCreate: true });
    }, { owner: orgA });
    expect((await logOf('Observation', gone))[2]).toEqual({ version_id: 3, operation: 'create', owner: orgA });
    expect(await logOf('Observation', fresh)).toEqual([{ version_id: 1, operation: 'create', owner: orgA }]);
  });

  it('records nothing for a refused write (another municipality writing to A’s patient)', async () => {
    const before = Number((await t.pool.query(`SELECT count(*) AS n FROM change_log WHERE resource_type = 'Observation'`)).rows[0].n);
    const refused = await call(tok.sysB, 'POST', '/fhir/Observation', spo2Observation(patientA, 80));
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    const created = (await call(tok.sysA, 'POST', '/fhir/Observation', spo2Observation(patientA, 96))).json().id as string;
    const refusedUpdate = await call(tok.sysB, 'PUT', `/fhir/Observation/${created}`, { ...spo2Observation(patientA, 81), id: created });
    expect(refusedUpdate.statusCode).toBeGreaterThanOrEqual(400);
    const refusedDelete = await call(tok.sysB, 'DELETE', `/fhir/Observation/${created}`);
    expect(await logOf('Observation', created)).toEqual([{ version_id: 1, operation: 'create', owner: orgA }]);
    expect(refusedDelete.statusCode).toBe(200); // a hidden resource deletes as an absent one: nothing
    // the one row the whole test added in this type is A's create (other test files may write other types)
    const after = Number((await t.pool.query(`SELECT count(*) AS n FROM change_log WHERE resource_type = 'Observation' AND id = ANY($1)`, [[created]])).rows[0].n);
    expect(after).toBe(1);
    expect(before).toBeGreaterThan(0);
  });

  it('consumers read every change once each, in an order that waits for a transaction still in flight', async () => {
    const consumer = `test-${nonCprUuid()}`;
    await drain(consumer, new Set()); // start this consumer at the present end of the log
    // a transaction that takes its id (and its change-log seq) first, and commits last
    const late = await t.pool.connect();
    const lateId = nonCprUuid();
    try {
      await late.query('BEGIN');
      await late.query(
        `INSERT INTO change_log (resource_type, id, version_id, operation, owner, recorded) VALUES ('Observation', $1, 1, 'create', NULL, now())`,
        [lateId],
      );
      const early = (await call(tok.sysA, 'POST', '/fhir/Observation', spo2Observation(patientA, 97))).json().id as string;
      const ids = new Set([lateId, early]);
      // the committed write is not handed out while the older transaction may still add rows below it
      expect(await drain(consumer, ids)).toEqual([]);
      await late.query('COMMIT');
      const read = await drainUntil(consumer, ids, 2);
      expect(read.map((c) => c.id)).toEqual([lateId, early]);
      expect(read[1]).toMatchObject({ resourceType: 'Observation', versionId: 1, operation: 'create', owner: orgA });
      // read once: the cursor moved past them (in xid order, not the text order of the ids)
      expect(await drain(consumer, ids)).toEqual([]);
      // another consumer has its own cursor and reads them too
      const other = `test-${nonCprUuid()}`;
      const otherRead = await drainUntil(other, ids, 2);
      expect(otherRead.map((c) => c.id)).toEqual([lateId, early]);
    } finally {
      await late.query('ROLLBACK').catch(() => undefined);
      late.release();
    }
  });

  it('hands a consumer’s batch to one instance at a time, and again when its handler fails', async () => {
    const consumer = `test-${nonCprUuid()}`;
    await drain(consumer, new Set());
    const id = (await call(tok.sysA, 'POST', '/fhir/Observation', spo2Observation(patientA, 98))).json().id as string;
    const ids = new Set([id]);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstSaw: ChangeEntry[] = [];
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = consumeChanges(t.pool, consumer, 500, async (changes) => {
      firstSaw = changes.filter((c) => ids.has(c.id));
      entered();
      await held;
      throw new Error('handler failed');
    });
    await inside;
    // while the first holds the cursor, a second instance gets nothing
    expect(await consumeChanges(t.pool, consumer, 500, async () => undefined)).toBe(0);
    release();
    await expect(first).rejects.toThrow('handler failed');
    expect(firstSaw.map((c) => c.id)).toEqual([id]);
    // the failed batch comes again
    expect((await drainUntil(consumer, ids, 1)).map((c) => c.id)).toEqual([id]);
  });

  it('prunes only rows every consumer has read and that are older than the retention window', async () => {
    const consumer = `test-${nonCprUuid()}`;
    await drain(consumer, new Set());
    const read = (await call(tok.sysA, 'POST', '/fhir/Observation', spo2Observation(patientA, 90))).json().id as string;
    await drainUntil(consumer, new Set([read]), 1);
    const unread = (await call(tok.sysA, 'POST', '/fhir/Observation', spo2Observation(patientA, 89))).json().id as string;
    // inside a transaction rolled back at the end: this consumer alone (other consumers, such as
    // the subscription worker of tests running alongside, are untouched outside it)
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('DELETE FROM change_cursor WHERE consumer <> $1', [consumer]);
      const rows = async (id: string) => (await client.query('SELECT 1 FROM change_log WHERE id = $1', [id])).rowCount;
      // in batches until none is left: the shared test database holds other files' rows too,
      // more than one batch of them
      const pruneAll = async (before: Date) => {
        while ((await pruneChanges(client, before, 5000)) > 0);
      };
      // not older than the window yet: kept
      await pruneAll(new Date(Date.now() - 3600_000));
      expect(await rows(read)).toBe(1);
      // older: the read one goes, the one this consumer has not read stays
      await pruneAll(new Date(Date.now() + 3600_000));
      expect(await rows(read)).toBe(0);
      expect(await rows(unread)).toBe(1);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    expect((await drainUntil(consumer, new Set([unread]), 1)).map((c) => c.id)).toEqual([unread]);
  });

  it('orders by transaction id as a number (9 before 10), so a fresh consumer reads each row once', async () => {
    const [nine, ten] = [nonCprUuid(), nonCprUuid()];
    await t.pool.query(
      `INSERT INTO change_log (txid, resource_type, id, version_id, operation, recorded)
       VALUES ('10'::xid8, 'Basic', $2, 1, 'create', now()), ('9'::xid8, 'Basic', $1, 1, 'create', now())`,
      [nine, ten],
    );
    const read = await drainUntil(`test-${nonCprUuid()}`, new Set([nine, ten]), 2);
    expect(read.map((c) => c.id)).toEqual([nine, ten]);
  });

  it('a cursor opened at the end is told only of what commits after what the log had readable then', async () => {
    const write = async () => (await t.services.store.transaction((tx) => tx.create({ resourceType: 'Patient' }))).id;
    const watcher = `test-watch-${nonCprUuid()}`;
    await openCursorAtEnd(t.pool, watcher);
    const before = await write();
    // once a consumer has read it, it is below the log's read bound for good
    expect(await drainUntil(watcher, new Set([before]), 1)).toHaveLength(1);
    const late = `test-late-${nonCprUuid()}`;
    await openCursorAtEnd(t.pool, late);
    const after = await write();
    expect(await drainUntil(watcher, new Set([after]), 1)).toHaveLength(1);
    // opening again (a restarted instance) keeps the cursor: what came since is still told
    await openCursorAtEnd(t.pool, late);
    const seen = await drainUntil(late, new Set([before, after]), 1);
    expect(seen.map((c) => c.id)).toEqual([after]);
  });
});
