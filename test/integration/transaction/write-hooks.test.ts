import { nonCprUuid } from '../../support/ids';
import type { Patient } from '@medplum/fhirtypes';
import { conflict } from '../../../src/fhir/outcome';
import { patch } from '../../../src/interactions/patch';
import { transaction } from '../../../src/interactions/transaction';
import type { InteractionDeps } from '../../../src/interactions/types';
import { update } from '../../../src/interactions/update';
import type { WriteHookContext } from '../../../src/interactions/write-hooks';
import { createTestApp, developmentDeps, type TestApp } from '../../support/app';

/** The engine's in-transaction write hooks (src/interactions/write-hooks.ts), with a hook of the test's own. */
describe('write hooks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const withHook = (hook: (ctx: WriteHookContext) => Promise<void>): InteractionDeps => ({ ...developmentDeps(t.services), writeHooks: [hook] });
  const patient = async (): Promise<Patient> => {
    const deps = developmentDeps(t.services);
    const id = nonCprUuid();
    await update(deps, 'Patient', id, { resourceType: 'Patient', id, active: true }, {});
    return { resourceType: 'Patient', id };
  };

  it("sees the request's changes and writes in its transaction (one instant, one commit)", async () => {
    const p = await patient();
    const seen: string[] = [];
    const deps = withHook(async ({ tx, changes }) => {
      seen.push(...changes.map((c) => `${c.action} ${c.resourceType}/${c.id}/${c.versionId}`));
      await tx.create({ resourceType: 'Basic', code: { text: `after ${p.id}` } } as never);
    });
    const res = await update(deps, 'Patient', p.id as string, { ...p, active: false }, {});
    expect(res.status).toBe(200);
    expect(seen).toEqual([`update Patient/${p.id}/2`]);
    const basic = await t.app.inject({ method: 'GET', url: `/fhir/Basic?code:text=after ${p.id}` });
    expect(basic.json().entry).toHaveLength(1);
  });

  it('runs once for a whole transaction, after all its entries', async () => {
    const [a, b] = [await patient(), await patient()];
    const calls: number[] = [];
    const deps = withHook(async ({ changes }) => void calls.push(changes.length));
    const entries = [a, b].map((p) => ({ resource: { ...p, active: false }, request: { method: 'PUT', url: `Patient/${p.id}` } }));
    expect((await transaction(deps, entries, {})).status).toBe(200);
    expect(calls).toEqual([2]);
  });

  it('a hook that throws fails the request, and nothing is written', async () => {
    const p = await patient();
    const deps = withHook(async () => {
      throw conflict('refused by the hook');
    });
    await expect(patch(deps, 'Patient', p.id as string, { contentType: 'application/json-patch+json', content: [{ op: 'replace', path: '/active', value: false }] }, {})).rejects.toMatchObject({ status: 409 });
    const current = await t.services.store.read('Patient', p.id as string);
    expect(current?.versionId).toBe(1);
  });
});
