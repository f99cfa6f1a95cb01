import { createTestApp, type TestApp } from '../../support/app';

/**
 * Index rows of a resource created in a transaction are written without deletes (nothing to
 * delete); once flushed mid-transaction, a later write of it must replace them, not add more.
 */
describe('index writes for resources created in the same transaction', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const tokenRows = async (rid: string) =>
    (await t.pool.query(`SELECT count(*)::int AS n FROM search_token WHERE rid = $1`, [rid])).rows[0].n as number;
  const ridOf = async (id: string) => (await t.pool.query(`SELECT rid FROM resource WHERE resource_type = 'Patient' AND id = $1`, [id])).rows[0].rid as string;

  it('create, flush, update, commit: the rows of the update only', async () => {
    const id = await t.services.store.transaction(async (tx) => {
      const created = await tx.create({ resourceType: 'Patient', gender: 'female', identifier: [{ system: 'urn:x', value: '1' }] });
      await tx.flushIndex();
      await tx.update({ resourceType: 'Patient', id: created.id, gender: 'male' }, { allowCreate: false });
      return created.id;
    });
    const rid = await ridOf(id);
    const { rows } = await t.pool.query(`SELECT value FROM search_token WHERE rid = $1 ORDER BY value`, [rid]);
    const values = rows.map((r) => r.value);
    expect(values).toContain('male');
    expect(values).not.toContain('female');
    expect(values).not.toContain('1');
    expect(values.filter((v) => v === 'male')).toHaveLength(1);
  });

  it('create and update in one transaction without a flush: one set of rows', async () => {
    const id = await t.services.store.transaction(async (tx) => {
      const created = await tx.create({ resourceType: 'Patient', gender: 'female' });
      await tx.update({ resourceType: 'Patient', id: created.id, gender: 'other' }, { allowCreate: false });
      return created.id;
    });
    const rid = await ridOf(id);
    const before = await tokenRows(rid);
    await t.services.store.transaction((tx) => tx.update({ resourceType: 'Patient', id, gender: 'other' }, { allowCreate: false }));
    expect(await tokenRows(rid)).toBe(before);
  });

  it('createMany writes what create writes: current row, history row and index rows, in one statement', async () => {
    const patient = (value: string) => ({ resourceType: 'Patient' as const, gender: 'female' as const, identifier: [{ system: 'urn:x', value }] });
    const [one, many] = await t.services.store.transaction(async (tx) => [await tx.create(patient('one')), await tx.createMany([patient('a'), patient('b')])] as const);
    expect(many.map((v) => v.versionId)).toEqual([1, 1]);
    for (const v of [one, ...many]) {
      expect((await t.services.store.read('Patient', v.id))?.json).toBe(v.json);
      expect((await t.services.store.vread('Patient', v.id, 1))?.json).toBe(v.json);
    }
    expect(await tokenRows(await ridOf(many[0].id))).toBe(await tokenRows(await ridOf(one.id)));
    expect(await tokenRows(await ridOf(many[1].id))).toBe(await tokenRows(await ridOf(one.id)));
  });
});
