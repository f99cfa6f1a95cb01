import type { Clock } from '../../clock';
import type { ResourceStore } from '../../store/resources';
import type { PlanBatch } from '../../store/schedule/request-plans';
import type { Decision, SlotKey } from '../../store/schedule/slot-decisions';
import type { Storage } from '../../store/storage';
import { nextClose, planOf, refId, type DueRequest, type RequestPlan, type ServiceRequestLike } from './due-requests';
import { missingMeasurementTask, missingTaskId } from './missing-task';
import { slotWindows, SUBMISSIONS } from './submissions';
import { slotsClosedBetween, type Slot } from './slots';

/** pino-compatible, so main.ts passes its logger. */
export interface SchedulerLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SchedulerDeps {
  /** The store's plan and decision tables and its counts of submissions. */
  storage: Pick<Storage, 'schedule' | 'aggregate'>;
  store: ResourceStore;
  clock: Clock;
  /** How far back closed slots are still decided (covers downtime and restarts). */
  lookbackHours: number;
  log?: SchedulerLog;
  /** Only these ServiceRequests (tests share one database). */
  onlyServiceRequests?: readonly string[];
}

export interface RunSummary {
  /** ServiceRequests whose JSON was read (new or changed since the last run). */
  read: number;
  /** ServiceRequests that had a slot closing (due), whose slots were decided. */
  serviceRequests: number;
  slotsDecided: number;
  submitted: number;
  tasksCreated: number;
  taskIds: string[];
}

interface Candidate extends SlotKey {
  sr: DueRequest;
  slot: Slot;
}

interface EpisodeLike {
  status?: string;
  team?: Array<{ reference?: string }>;
}

/** ServiceRequests per batch (read, and decided). */
export const SCHEDULER_BATCH = 500;
const keyOf = (k: SlotKey) => `${k.serviceRequestId}|${k.start.toISOString()}`;

/**
 * Creates one "missing measurement" Task per closed slot without enough submissions. State lives
 * in PostgreSQL only (scheduler_slot): any number of instances may run; each slot's claim row
 * is inserted in the same transaction as its Task, so a slot gets at most one Task. Its periodic
 * run is a job on the job runner (scheduler-job.ts).
 */
export class MissingMeasurementScheduler {
  constructor(private readonly deps: SchedulerDeps) {}

  /**
   * Decide every slot that closed in (now − lookback, now]. Reads the JSON only of the
   * ServiceRequests that are new or changed since the last run, and decides only those with a
   * slot closing (scheduler_request.next_due), both in batches. `afterBatch` is awaited after
   * each batch (the job checkpoints there; a throw stops the run, whose work so far is kept).
   */
  async runOnce(now: Date = this.deps.clock.now(), batch = SCHEDULER_BATCH, afterBatch?: () => Promise<void>): Promise<RunSummary> {
    const since = new Date(now.getTime() - this.deps.lookbackHours * 3_600_000);
    const summary: RunSummary = { read: 0, serviceRequests: 0, slotsDecided: 0, submitted: 0, tasksCreated: 0, taskIds: [] };
    const batchAfter = (after: string): PlanBatch => ({ status: 'active', only: this.deps.onlyServiceRequests, after, limit: batch });
    for (let after = ''; ; ) {
      const rows = await this.deps.storage.schedule.stalePlans(batchAfter(after));
      if (!rows.length) break;
      summary.read += rows.length;
      // new or changed: its slots of the whole look-back are examined (decided ones are skipped)
      const plans = rows.map((r) => ({ id: r.id, versionId: r.versionId, plan: planOf(r.resource as ServiceRequestLike) }));
      await this.deps.storage.schedule.savePlans(plans.map((p) => ({ ...p, nextDue: nextClose(p.plan.repeat, since) })), now);
      after = rows[rows.length - 1].id;
      await afterBatch?.();
      if (rows.length < batch) break;
    }
    for (let after = ''; ; ) {
      const due: DueRequest[] = await this.deps.storage.schedule.duePlans<RequestPlan>(now, batchAfter(after));
      if (!due.length) break;
      summary.serviceRequests += due.length;
      const candidates: Candidate[] = [];
      for (const sr of due) {
        for (const slot of slotsClosedBetween(sr.plan.repeat ?? {}, since, now)) candidates.push({ serviceRequestId: sr.id, start: slot.start, end: slot.end, sr, slot });
      }
      const waiting = await this.decide(candidates, now, summary);
      // next due when its next slot closes; at once (the next run) while a slot waits for an episode
      await this.deps.storage.schedule.savePlans(due.map((sr) => ({ ...sr, nextDue: waiting.has(sr.id) ? now : nextClose(sr.plan.repeat, now) })), now);
      after = due[due.length - 1].id;
      await afterBatch?.();
      if (due.length < batch) break;
    }
    if (summary.tasksCreated) this.deps.log?.info({ tasks: summary.tasksCreated, slots: summary.slotsDecided }, 'missing-measurement tasks created');
    return summary;
  }

  /** Decide `candidates`; returns the ServiceRequests with a missing slot left undecided (no active episode with a team). */
  private async decide(candidates: Candidate[], now: Date, summary: RunSummary): Promise<Set<string>> {
    const waiting = new Set<string>();
    const decided = await this.deps.storage.schedule.decidedSlots(candidates);
    const open = candidates.filter((c) => !decided.has(keyOf(c)));
    const counts = await this.deps.storage.aggregate.countInWindows(SUBMISSIONS, slotWindows(open));
    const met: Decision[] = [];
    const missing: Array<Candidate & { submitted: number }> = [];
    open.forEach((c, j) => {
      if (counts[j] >= c.slot.expected) met.push({ ...c, outcome: 'submitted', expected: c.slot.expected, submitted: counts[j] });
      else missing.push({ ...c, submitted: counts[j] });
    });
    const inserted = await this.deps.storage.schedule.recordDecisions(met, now);
    summary.slotsDecided += inserted;
    summary.submitted += inserted;
    const episodes = await this.deps.storage.aggregate.currentResources('EpisodeOfCare', missing.map((m) => m.sr.plan.episodeId ?? ''));
    for (const m of missing) {
      const assigned = await this.claimMissing(m, episodes.get(m.sr.plan.episodeId ?? '') as EpisodeLike | undefined, now, summary);
      if (!assigned) waiting.add(m.serviceRequestId);
    }
    return waiting;
  }

  /**
   * One transaction per missing slot: re-count, claim, and create the Task only when the claim
   * is ours. False when there is nobody to assign it to (left for a later run).
   */
  private async claimMissing(m: Candidate & { submitted: number }, episode: EpisodeLike | undefined, now: Date, summary: RunSummary): Promise<boolean> {
    const { episodeId: episodeRef, patientId } = m.sr.plan;
    const careTeamId = episode?.team?.map((t) => refId(t.reference, 'CareTeam')).find(Boolean);
    // No Task without someone to do it: an ended episode or one without a team is skipped (and re-examined next run).
    if (!episodeRef || !patientId || !careTeamId || episode?.status !== 'active') {
      this.deps.log?.warn({ serviceRequest: m.serviceRequestId }, 'missing measurement not assigned: no active episode with a care team');
      return false;
    }
    const taskId = missingTaskId(m.serviceRequestId, m.start);
    const created = await this.deps.store.transaction(async (tx) => {
      // A late upload may have arrived since the first count: decide on what is there now.
      const [submitted] = await this.deps.storage.aggregate.countInWindows(SUBMISSIONS, slotWindows([m]), tx.client);
      const outcome = submitted >= m.slot.expected ? 'submitted' : 'missing';
      const decision: Decision = { ...m, outcome, expected: m.slot.expected, submitted, taskId: outcome === 'missing' ? taskId : undefined };
      if ((await this.deps.storage.schedule.recordDecisions([decision], now, tx.client)) === 0) return undefined;
      summary.slotsDecided += 1;
      if (outcome === 'submitted') return void (summary.submitted += 1);
      const task = missingMeasurementTask(
        { serviceRequestId: m.serviceRequestId, patientId, episodeId: episodeRef, careTeamId, code: m.sr.plan.code, slot: m.slot, submitted },
        now,
      );
      await tx.create(task, { id: taskId });
      return taskId;
    });
    if (created) {
      summary.tasksCreated += 1;
      summary.taskIds.push(created);
    }
    return true;
  }
}
