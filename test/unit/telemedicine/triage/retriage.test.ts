import type { Task } from '@medplum/fhirtypes';
import { retriage } from '../../../../src/telemedicine/triage/retriage';
import { assessmentTask, triagedItemsOf, triageImpression, type TriagedItem } from '../../../../src/telemedicine/triage/triage-result';

const ctx = { patientId: 'p1', episodeId: 'e1', careTeamId: 't1', now: '2026-03-09T08:05:00.000Z' };
const later = '2026-03-09T10:00:00.000Z';
const items: TriagedItem[] = [
  { reference: 'Observation/spo2', finding: { colour: 'red', reasons: ['NPU03011 84 % ≤ RAL low limit 85 %'], problems: [] } },
  { reference: 'Observation/pulse', finding: { colour: 'yellow', reasons: ['NPU21692 72 /min: no thresholds are set for this measurement'], problems: ['NPU21692 72 /min: no thresholds are set for this measurement'] } },
  { reference: 'QuestionnaireResponse/q', finding: { colour: 'green', reasons: ['No answer carries a significance'], problems: [] } },
];
const impression = { ...triageImpression(items, ctx), id: 'ci1' };
const task: Task = { ...assessmentTask(items, 'ClinicalImpression/ci1', ctx), id: 'task1' };

describe('re-triage without the items entered in error', () => {
  it('reads back the items a triage ClinicalImpression records, problems included', () => {
    expect(triagedItemsOf(impression)).toEqual(items);
  });

  it('the rest decide: the problem item makes it yellow, urgent, and the Task says it was not triaged automatically', () => {
    const { impression: ci, task: t } = retriage(impression, task, new Set(['Observation/spo2']), later);
    expect(ci.extension?.[0].valueCoding?.code).toBe('yellow');
    expect(ci.finding?.map((f) => f.itemReference?.reference)).toEqual(['Observation/pulse', 'QuestionnaireResponse/q']);
    expect([ci.id, ci.status, ci.effectiveDateTime, ci.date]).toEqual(['ci1', 'completed', ctx.now, later]);
    expect(t).toMatchObject({ id: 'task1', status: 'requested', priority: 'urgent', description: 'Not triaged automatically: NPU21692 72 /min: no thresholds are set for this measurement', lastModified: later });
    expect(t?.input?.map((i) => i.valueReference?.reference)).toEqual(['Observation/pulse', 'QuestionnaireResponse/q']);
  });

  it('nothing valid left: the ClinicalImpression is entered-in-error (findings kept), the open Task cancelled', () => {
    const { impression: ci, task: t } = retriage(impression, { ...task, status: 'in-progress' }, new Set(items.map((i) => i.reference)), later);
    expect([ci.status, ci.finding?.length]).toEqual(['entered-in-error', 3]);
    expect([t?.status, t?.statusReason?.text]).toEqual(['cancelled', 'Every measurement of the submission was entered in error']);
  });

  it.each(['completed', 'cancelled', 'failed', 'rejected'] as const)('a %s Task is not changed', (status) => {
    expect(retriage(impression, { ...task, status }, new Set(['Observation/spo2']), later).task).toBeUndefined();
  });
});
