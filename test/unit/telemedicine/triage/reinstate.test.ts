import type { Observation, Task } from '@medplum/fhirtypes';
import { referenceRange } from '../../../../src/telemedicine/triage/observation-triage';
import { reinstate } from '../../../../src/telemedicine/triage/reinstate';
import { retriage, setAsideOf } from '../../../../src/telemedicine/triage/retriage';
import { retriageObservation, thresholdsUsed } from '../../../../src/telemedicine/triage/stored-item-triage';
import { assessmentTask, triageImpression, type TriagedItem } from '../../../../src/telemedicine/triage/triage-result';

const ctx = { patientId: 'p1', episodeId: 'e1', careTeamId: 't1', now: '2026-03-09T08:05:00.000Z' };
const later = '2026-03-09T10:00:00.000Z';
const latest = '2026-03-09T11:00:00.000Z';
const spo2: TriagedItem = { reference: 'Observation/spo2', finding: { colour: 'red', reasons: ['NPU03011 84 % ≤ RAL low limit 85 %'], problems: [] } };
const pulse: TriagedItem = { reference: 'Observation/pulse', finding: { colour: 'green', reasons: ['NPU21692 72 /min within all limits'], problems: [] } };
const impression = { ...triageImpression([spo2, pulse], ctx), id: 'ci1' };
const task: Task = { ...assessmentTask([spo2, pulse], 'ClinicalImpression/ci1', ctx), id: 'task1' };

describe('re-triage with an item corrected back to a valid status', () => {
  it('a partial invalidation sets the item aside; its return restores the colour, the open Task and clears the record', () => {
    const without = retriage(impression, task, new Set(['Observation/spo2']), later);
    expect(setAsideOf(without.impression)).toEqual(['Observation/spo2']);
    const back = reinstate(without.impression, [without.task as Task], [spo2], latest);
    expect([back.impression.status, back.impression.extension?.[0].valueCoding?.code, back.impression.investigation]).toEqual(['completed', 'red', undefined]);
    expect(back.impression.finding?.map((f) => f.itemReference?.reference)).toEqual(['Observation/pulse', 'Observation/spo2']);
    expect(back.task).toMatchObject({ id: 'task1', status: 'requested', priority: 'asap', lastModified: latest });
    expect(back.task?.input?.map((i) => i.valueReference?.reference)).toEqual(['Observation/pulse', 'Observation/spo2']);
  });

  it('every item invalidated: one back makes the ClinicalImpression completed with only it; the others stay set aside; a new Task (no id) replaces the cancelled one', () => {
    const none = retriage(impression, task, new Set(['Observation/spo2', 'Observation/pulse']), later);
    const back = reinstate(none.impression, [none.task as Task], [pulse], latest);
    expect(back.impression.status).toBe('completed');
    expect(back.impression.finding?.map((f) => f.itemReference?.reference)).toEqual(['Observation/pulse']);
    expect(setAsideOf(back.impression)).toEqual(['Observation/spo2']);
    expect(back.task?.id).toBeUndefined();
    expect(back.task).toMatchObject({ status: 'requested', priority: 'routine', owner: { reference: 'CareTeam/t1' }, focus: { reference: 'ClinicalImpression/ci1' } });
  });

  it.each(['completed', 'failed', 'on-hold'] as const)('a %s Task is not changed and no new one is made', (status) => {
    const without = retriage(impression, task, new Set(['Observation/spo2']), later);
    expect(reinstate(without.impression, [{ ...task, status }], [spo2], latest).task).toBeUndefined();
  });

  it('an Observation is triaged again against the referenceRange its submission copied onto it, components by their code', () => {
    const obs: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] },
      valueQuantity: { value: 86, unit: '%', code: '%' },
      referenceRange: [referenceRange({ type: 'RAL', low: 85, unit: '%' }), referenceRange({ type: 'GAL', low: 88, unit: '%' })],
    };
    expect(thresholdsUsed(obs).map((t) => [t.type, t.low?.value])).toEqual([['RAL', 85], ['GAL', 88]]);
    expect(retriageObservation(obs)).toEqual({ colour: 'yellow', reasons: ['NPU03011 86 % ≤ GAL low limit 88 %'], problems: [] });
    const stripped = retriageObservation({ ...obs, referenceRange: undefined });
    expect([stripped.colour, stripped.problems.length]).toEqual(['yellow', 1]);
  });
});
