import type { ClinicalImpression } from '@medplum/fhirtypes';
import { ChangeConsumers, type ChangeConsumer } from '../../../../src/jobs/change-consumers';
import type { Colour } from '../../../../src/telemedicine/triage/colour';
import { triageOutcomeConsumer } from '../../../../src/telemedicine/triage/outcome-consumer';
import { eventually } from '../../../support/eventually';
import { nonCprUuid } from '../../../support/ids';
import { copdWorkflow, created, type CopdWorkflow } from './copd-workflow';

/**
 * The triage-outcome count is a change-log consumer: a submission committed while no instance
 * reads is counted by the next one that does (a restart, another instance), once; a batch whose
 * handling fails comes again. Each test runs a consumer of its own name (its own cursor) and
 * counts only this file's ClinicalImpressions, since other test files write beside it.
 */
describe('triage outcomes counted from the change log', () => {
  let w: CopdWorkflow;
  const u = nonCprUuid().slice(0, 8);

  beforeAll(async () => {
    w = await copdWorkflow(u);
    await w.persistPlan();
  });
  afterAll(() => w.t.close());

  /** The module's consumer under a name of this test, told only of the given ClinicalImpressions. */
  function counter(name: string, ids: Set<string>, counted: Colour[], failFirst = false): ChangeConsumer {
    const triage = triageOutcomeConsumer((colour) => counted.push(colour), name);
    let failing = failFirst;
    return {
      ...triage,
      handle: (changes) => {
        const mine = changes.filter((c) => ids.has(c.id));
        if (mine.length && failing) {
          failing = false;
          throw new Error('handling failed once');
        }
        return triage.handle(mine);
      },
    };
  }

  /** A runner as one instance starts it: reads until caught up. */
  const runner = (consumer: ChangeConsumer, errors: unknown[] = []) => new ChangeConsumers({ changes: w.t.storage.changes, consumers: [consumer], onError: (err) => errors.push(err) });

  async function submitRed(at: string): Promise<string> {
    const res = await w.submit(w.tokens.citizen, [w.observation('NPU03011', '%', 84, at)]);
    expect(res.statusCode).toBe(200);
    const impression = created(res).find((r) => r.resourceType === 'ClinicalImpression') as ClinicalImpression;
    expect(impression.extension?.[0].valueCoding?.code).toBe('red');
    return impression.id as string;
  }

  it('counts a submission committed while no consumer ran, once, by whichever runner reads next', async () => {
    const name = `test-triage-${nonCprUuid()}`;
    const ids = new Set<string>();
    const counted: Colour[] = [];
    // the consumer's first run: its cursor starts after what was committed before
    await runner(counter(name, ids, counted)).runOnce();
    ids.add(await submitRed('2026-03-06T08:05:00+01:00'));
    // a later instance (or this one restarted) reads on from the stored cursor
    expect(await eventually(async () => (await runner(counter(name, ids, counted)).runOnce(), counted.length > 0))).toBe(true);
    expect(counted).toEqual(['red']);
    // and once read, no runner counts it again
    await runner(counter(name, ids, counted)).runOnce();
    expect(counted).toEqual(['red']);
  });

  it('a batch whose handling fails comes again: the outcome is counted at least once, not lost', async () => {
    const name = `test-triage-${nonCprUuid()}`;
    const ids = new Set<string>();
    const counted: Colour[] = [];
    const errors: unknown[] = [];
    await runner(counter(name, ids, counted)).runOnce();
    ids.add(await submitRed('2026-03-09T08:05:00+01:00'));
    const failing = runner(counter(name, ids, counted, true), errors);
    expect(await eventually(async () => (await failing.runOnce(), counted.length > 0))).toBe(true);
    expect(errors.map((e) => (e as Error).message)).toEqual(['handling failed once']);
    expect(counted).toEqual(['red']);
  });

  it('a rolled-back write is never counted (the change log has only what committed)', async () => {
    const name = `test-triage-${nonCprUuid()}`;
    const id = `ci-${nonCprUuid()}`;
    const ids = new Set([id]);
    const counted: Colour[] = [];
    await runner(counter(name, ids, counted)).runOnce();
    await expect(
      w.t.services.store.transaction(async (tx) => {
        await tx.create({ resourceType: 'ClinicalImpression', status: 'completed', subject: { reference: `Patient/${w.ids.patient}` }, extension: [{ url: 'https://kolibri.dk/fhir/StructureDefinition/ext-triage-result', valueCoding: { system: 'https://kolibri.dk/fhir/CodeSystem/triage-colour', code: 'red' } }] } as ClinicalImpression, { id });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // a committed write after it, so that the runner has read past where the rolled-back one would be
    const later = await submitRed('2026-03-11T08:05:00+01:00');
    ids.add(later);
    expect(await eventually(async () => (await runner(counter(name, ids, counted)).runOnce(), counted.length > 0))).toBe(true);
    expect(counted).toEqual(['red']);
  });
});
