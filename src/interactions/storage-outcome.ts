import { FhirError } from '../fhir/outcome';
import { CreateAtIdRefused } from '../store/store-errors';

/**
 * A storage-level refusal as the FHIR answer it means; anything else as it is. An update of a
 * resource that does not exist, where update-as-create is not allowed, is 405
 * (https://hl7.org/fhir/R4/http.html#update), the same whether it is missing or hidden.
 */
export function storageOutcome(err: unknown): unknown {
  if (err instanceof CreateAtIdRefused) {
    return new FhirError(405, [
      { severity: 'error', code: 'not-supported', diagnostics: `${err.resourceType}/${err.id} does not exist, and update-as-create (a new resource at a chosen id) is not allowed here: use POST` },
    ]);
  }
  return err;
}
