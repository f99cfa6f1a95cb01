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
});
