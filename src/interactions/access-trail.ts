import type { AuthContext } from '../auth/context';

/**
 * What one request's data access leaves for its AuditEvents: whose data it read or wrote, whose it
 * asked for and was refused, and which search results it returned. Kept apart from the decisions
 * (`Access`, which records into it): the audit reads this, authorization never does.
 */
export class AccessTrail {
  /** Patients whose data this request read or wrote. */
  readonly touched = new Set<string>();
  /**
   * Patients whose data this request asked for and was refused (a read by id of a resource in
   * their compartment that the caller may not see): the audit records a failed access in their
   * trail, while the caller gets the same 404 as for a resource that does not exist.
   */
  readonly denied = new Set<string>();
  /** Search results (resource.rid) this request returned; their patients are looked up for the audit. */
  readonly touchedRids: string[] = [];

  /** `auth`: who made the request (the audit records the client, organization, practitioner). */
  constructor(readonly auth: AuthContext) {}

  /** Record the patients as touched. */
  touch(patients: Iterable<string>): void {
    for (const p of patients) this.touched.add(p);
  }
}
