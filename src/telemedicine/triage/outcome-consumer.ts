import type { ClinicalImpression } from '@medplum/fhirtypes';
import type { ChangeConsumer } from '../../jobs/change-consumers';
import type { Change } from '../../store/versions';
import { colourOf, TRIAGE_RESULT_EXTENSION, type Colour } from './colour';

/** The triage counter's cursor in the change log. */
export const TRIAGE_OUTCOMES_CONSUMER = 'telemedicine-triage-outcomes';

/**
 * A change-log consumer that reports the colour of every committed triage result (a created
 * ClinicalImpression carrying ext-triage-result), whoever wrote it: `$submit-measurement`, a
 * re-triage or a vendor app. Read from the change log, so a rolled-back submission is never
 * counted and a committed one is counted on whichever instance reads it, also after a restart
 * (at least once: a batch that failed to advance the cursor is counted again).
 */
export function triageOutcomeConsumer(count: (outcome: Colour) => void, name = TRIAGE_OUTCOMES_CONSUMER): ChangeConsumer {
  return {
    name,
    resourceTypes: ['ClinicalImpression'],
    handle: (changes: readonly Change[]) => {
      for (const change of changes) {
        if (change.action !== 'create' || change.resourceType !== 'ClinicalImpression' || !change.json) continue;
        const impression = JSON.parse(change.json) as ClinicalImpression;
        const colour = colourOf(impression.extension?.find((e) => e.url === TRIAGE_RESULT_EXTENSION)?.valueCoding);
        if (colour) count(colour);
      }
    },
  };
}
