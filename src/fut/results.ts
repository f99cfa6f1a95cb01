import type { Bundle, Resource } from '@medplum/fhirtypes';
import { unprocessable, type FhirError } from '../fhir/outcome';
import type { InteractionResult } from '../interactions/types';

/** The resources of a transaction-response (or any Bundle) result, in entry order. */
export function resourcesOf(result: InteractionResult): Array<Resource | undefined> {
  const bundle = (typeof result.body === 'string' ? JSON.parse(result.body) : result.body) as Bundle;
  return (bundle.entry ?? []).map((e) => e.resource);
}

/** A FUT business rule broken: 422 naming where. */
export const businessRule = (diagnostics: string, expression: string): FhirError => unprocessable([{ severity: 'error', code: 'business-rule', diagnostics, expression: [expression] }]);
