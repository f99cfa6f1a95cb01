import type { AuthContext } from '../auth/context';
import type { Clock } from '../clock';
import type { Change } from '../store/versions';
import { maskCprInUrl } from './cpr';
import { interactionOf, type AuditRecord } from './record';

/** What the audit needs to know of the HTTP request (no bodies, no headers). */
export interface RequestFacts {
  requestId: string;
  method: string;
  /** The route pattern (`/fhir/:type/:id`), which names the interaction. */
  route: string;
  /** The request URL, query string included (masked before it is recorded). */
  url: string;
  /** The `:type` route parameter, when there is one. */
  type?: string;
}

/** Who called and whose data the request reached (the request's AccessTrail). */
export interface TouchedData {
  readonly auth: AuthContext;
  readonly touched: ReadonlySet<string>;
  readonly touchedRids: readonly string[];
  /** Patients whose data the request asked for and was refused. */
  readonly denied: ReadonlySet<string>;
}

/**
 * The audit of one request. A write records the patients it touched in its own database
 * transaction, just before COMMIT (or in its one statement): no second commit, and a write that fails (rolls back) leaves
 * no record, as it changed nothing. What no committed transaction recorded (reads, search
 * results) is recorded after the response is built and before it is sent (`leftover`). Each
 * patient is recorded once per request. A refused access (`denied`: data of a patient the caller
 * does not reach, asked for by id and answered like a resource that does not exist) is recorded
 * too, in a record of its own, as a failure in that patient's trail, even when the request
 * failed. Reading the audit log itself is not audited again.
 */
export class RequestAudit {
  readonly interaction: string;
  readonly action: AuditRecord['action'];
  private readonly recordedPatients = new Set<string>();
  private recordedRids = 0;

  constructor(
    private readonly facts: RequestFacts,
    private readonly trail: TouchedData,
    private readonly clock: Clock,
  ) {
    ({ interaction: this.interaction, action: this.action } = interactionOf(facts.method, facts.route));
  }

  private get audited(): boolean {
    return !(this.facts.type === 'AuditEvent' && this.action === 'R');
  }

  /** Creates, updates, deletes, transactions and POSTed operations (not searches by POST). */
  private get isWrite(): boolean {
    return this.facts.method !== 'GET' && this.facts.method !== 'HEAD' && this.action !== 'R';
  }

  /**
   * The store's commit audit (CommitAudit): this request's record, for what it touched so far
   * (a created Patient included), to commit with `changes`, and what to run once it committed.
   */
  prepare(changes: readonly Change[]): { records: AuditRecord[]; committed: () => void } | undefined {
    if (!this.audited) return undefined;
    const patients = new Set(this.trail.touched);
    for (const c of changes) if (c.resourceType === 'Patient') patients.add(c.id);
    const record = this.pending(committedStatus(this.interaction, changes), patients, false);
    if (!record) return undefined;
    const rids = this.trail.touchedRids.length;
    return {
      records: [record],
      committed: () => {
        for (const p of record.patients) this.recordedPatients.add(p);
        this.recordedRids = rids;
      },
    };
  }

  /**
   * The records of what no committed transaction of this request recorded, to be written before
   * the response is sent: the patients whose data it returned (none for a write answered with an
   * error: it changed nothing and returned no patient data) and, apart, the patients whose data
   * it was refused.
   */
  leftover(status: number): AuditRecord[] {
    if (!this.audited) return [];
    const records: AuditRecord[] = [];
    const reached = this.isWrite && status >= 400 ? undefined : this.pending(status, this.trail.touched, false);
    if (reached) records.push(reached);
    const refused = this.pending(status, this.trail.denied, true);
    if (refused) records.push(refused);
    return records;
  }

  private pending(status: number, patientsOf: ReadonlySet<string>, refused: boolean): AuditRecord | undefined {
    const patients = refused ? [...patientsOf] : [...patientsOf].filter((p) => !this.recordedPatients.has(p));
    const rids = refused ? [] : this.trail.touchedRids.slice(this.recordedRids);
    if (patients.length === 0 && rids.length === 0) return undefined;
    const { url } = this.facts;
    const q = url.indexOf('?');
    const auth = this.trail.auth;
    return {
      recorded: this.clock.now().toISOString(),
      requestId: this.facts.requestId,
      clientId: auth.clientId,
      clientKind: auth.kind,
      organization: auth.organization,
      practitioner: auth.practitioner,
      careTeam: auth.careTeam,
      interaction: this.interaction,
      // a create that found its If-None-Exist match created nothing and returned that resource
      action: this.interaction === 'create' && status === 200 ? 'R' : this.action,
      status,
      method: this.facts.method,
      // decoded before masking: `%30101504321` is a CPR number too
      path: maskCprInUrl(q < 0 ? url : url.slice(0, q)),
      query: q < 0 ? undefined : maskCprInUrl(url.slice(q + 1).replace(/\+/g, ' ')),
      patients,
      rids: [...rids],
      refused,
    };
  }
}

/** The status a write answers once its transaction commits (https://hl7.org/fhir/R4/http.html). */
function committedStatus(interaction: string, changes: readonly Change[]): number {
  if (interaction === 'create') return changes.some((c) => c.action === 'create') ? 201 : 200;
  if (interaction === 'update') return changes[0]?.action === 'create' ? 201 : 200;
  return 200;
}
