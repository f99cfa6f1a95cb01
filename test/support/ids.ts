import { randomUUID } from 'node:crypto';
import { containsCprNumber } from '../../src/audit/cpr';

/**
 * A UUID for a test to choose as a resource id, drawn again when a run of its digits reads as a
 * CPR number (about one in a thousand): the server refuses those as Patient ids a client chooses
 * (400) before anything else.
 */
export function nonCprUuid(): string {
  for (;;) {
    const id = randomUUID();
    if (!containsCprNumber(id)) return id;
  }
}
