import { cprFreeUuid } from '../../src/audit/cpr';

/**
 * A UUID for a test to choose as a resource id, with no CPR-shaped digit run (about one UUID in
 * two hundred has one): the server refuses a Patient id a client chooses that holds a CPR number
 * (400), and masks such runs in audited URLs, as it does for the ids it assigns itself.
 */
export function nonCprUuid(): string {
  return cprFreeUuid();
}
