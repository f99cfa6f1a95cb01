import type { Change } from '../../../../src/store/versions';
import { triageOutcomeConsumer } from '../../../../src/telemedicine/triage/outcome-consumer';
import { triageImpression } from '../../../../src/telemedicine/triage/triage-result';

const ctx = { patientId: 'p1', episodeId: 'e1', careTeamId: 't1', now: '2026-03-04T09:00:00Z' };
const change = (action: Change['action'], resource: object | null, resourceType = 'ClinicalImpression'): Change => ({
  action,
  resourceType,
  id: 'x',
  versionId: 1,
  lastUpdated: ctx.now,
  json: resource && JSON.stringify(resource),
});

describe('triageOutcomeConsumer', () => {
  it('counts the overall colour of each created triage ClinicalImpression, nothing else', async () => {
    const counted: string[] = [];
    const consumer = triageOutcomeConsumer((outcome) => counted.push(outcome));
    expect(consumer.resourceTypes).toEqual(['ClinicalImpression']);
    const red = triageImpression(
      [
        { reference: 'urn:uuid:a', finding: { colour: 'red', reasons: ['SpO2 84 % ≤ 85 %'], problems: [] } },
        { reference: 'urn:uuid:b', finding: { colour: 'green', reasons: ['pulse 72'], problems: [] } },
      ],
      ctx,
    );
    const yellow = triageImpression([{ reference: 'urn:uuid:c', finding: { colour: 'yellow', reasons: [], problems: ['no thresholds'] } }], ctx);
    await consumer.handle([
      change('create', red),
      change('update', red), // a later version is not a new triage
      change('create', { resourceType: 'ClinicalImpression', status: 'completed', subject: { reference: 'Patient/p1' } }), // a clinician's assessment
      change('create', { resourceType: 'Observation' }, 'Observation'),
      change('delete', null),
      change('create', yellow),
    ]);
    expect(counted).toEqual(['red', 'yellow']);
  });
});
