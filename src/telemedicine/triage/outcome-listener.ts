import type { ClinicalImpression } from '@medplum/fhirtypes';
import type { Change, CommitListener } from '../../store/versions';
import { colourOf, TRIAGE_RESULT_EXTENSION, type Colour } from './colour';

/**
 * A post-commit listener that reports the colour of every committed triage result (a created
 * ClinicalImpression carrying ext-triage-result), whoever wrote it: `$submit-measurement`, a
 * re-triage or a vendor app. Seen after commit, so a rolled-back submission is never counted.
 */
export function triageOutcomeListener(count: (outcome: Colour) => void): CommitListener {
  return (changes: readonly Change[]) => {
    for (const change of changes) {
      if (change.action !== 'create' || change.resourceType !== 'ClinicalImpression' || !change.json) continue;
      const impression = JSON.parse(change.json) as ClinicalImpression;
      const colour = colourOf(impression.extension?.find((e) => e.url === TRIAGE_RESULT_EXTENSION)?.valueCoding);
      if (colour) count(colour);
    }
  };
}
