import type { Pool } from 'pg';
import type { Clock } from '../../clock';
import type { ResourceStore } from '../../store/resources';
import { EPISODE_EXTENSION, missingMeasurementTask, missingTaskId } from './missing-task';
import { activeServiceRequests, decidedSlots, recordDecisions, resourcesById, submissionCounts, type Decision, type SlotKey } from './scheduler-sql';
import { slotsClosedBetween, type Slot, type TimingRepeat } from './slots';

/** pino-compatible, so main.ts passes its logger. */
export interface SchedulerLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SchedulerDeps {
  pool: Pool;
  store: ResourceStore;
  clock: Clock;
  /** How far back closed slots are still decided (covers downtime and restarts). */
  lookbackHours: number;
  log?: SchedulerLog;
  /** Only these ServiceRequests (tests share one database). */
  onlyServiceRequests?: readonly string[];
  /** Told after each timed run (metrics). */
  onRun?: (result: 'ok' | 'error') => void;
}

export interface RunSummary {
  serviceRequests: number;
  slotsDecided: number;
  submitted: number;
  tasksCreated: number;
  taskIds: string[];
}

interface Candidate extends SlotKey {
  sr: ServiceRequestLike;
  slot: Slot;
}

interface ServiceRequestLike {
  id: string;
  subject?: { reference?: string };
  code?: { coding?: Array<{ system?: string; code?: string; display?: string }> };
  extension?: Array<{ url: string; valueReference?: { reference?: string } }>;
  occurrenceTiming?: { repeat?: TimingRepeat };
}

interface EpisodeLike {
  status?: string;
  team?: Array<{ reference?: string }>;
}

const BATCH = 500;
const refId = (ref: string | undefined, type: string) => (ref?.startsWith(`${type}/`) ? ref.slice(type.length + 1) : undefined);
const keyOf = (k: SlotKey) => `${k.serviceRequestId}|${k.start.toISOString()}`;

/**
 * Creates one "missing measurement" Task per closed slot without enough submissions. State lives
 * in PostgreSQL only (scheduler_slot): any number of instances may run; each slot's claim row
 * is inserted in the same transaction as its Task, so a slot gets at most one Task.
 */
export class MissingMeasurementScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private readonly deps: SchedulerDeps) {}

  /** Decide every slot that closed in (now − lookback, now]. */
  async runOnce(now: Date = this.deps.clock.now()): Promise<RunSummary> {
    const since = new Date(now.getTime() - this.deps.lookbackHours * 3_600_000);
    const summary: RunSummary = { serviceRequests: 0, slotsDecided: 0, submitted: 0, tasksCreated: 0, taskIds: [] };
    const rows = await activeServiceRequests(this.deps.pool, this.deps.onlyServiceRequests);
    summary.serviceRequests = rows.length;
    for (let i = 0; i < rows.length; i += BATCH) {
      const candidates: Candidate[] = [];
      for (const row of rows.slice(i, i + BATCH)) {
        const sr = JSON.parse(row.content) as ServiceRequestLike;
        const repeat = sr.occurrenceTiming?.repeat;
        if (!repeat) continue;
        for (const slot of slotsClosedBetween(repeat, since, now)) candidates.push({ serviceRequestId: sr.id, start: slot.start, end: slot.end, sr, slot });
      }
      await this.decide(candidates, now, summary);
    }
    if (summary.tasksCreated) this.deps.log?.info({ tasks: summary.tasksCreated, slots: summary.slotsDecided }, 'missing-measurement tasks created');
    return summary;
  }

  private async decide(candidates: Candidate[], now: Date, summary: RunSummary): Promise<void> {
    const decided = await decidedSlots(this.deps.pool, candidates);
    const open = candidates.filter((c) => !decided.has(keyOf(c)));
    const counts = await submissionCounts(this.deps.pool, open);
    const met: Decision[] = [];
    const missing: Array<Candidate & { submitted: number }> = [];
    open.forEach((c, j) => {
      if (counts[j] >= c.slot.expected) met.push({ ...c, outcome: 'submitted', expected: c.slot.expected, submitted: counts[j] });
      else missing.push({ ...c, submitted: counts[j] });
    });
    const inserted = await recordDecisions(this.deps.pool, met, now);
    summary.slotsDecided += inserted;
    summary.submitted += inserted;
    const episodes = await resourcesById(this.deps.pool, 'EpisodeOfCare', missing.map((m) => episodeId(m.sr) ?? ''));
    for (const m of missing) await this.claimMissing(m, episodes.get(episodeId(m.sr) ?? '') as EpisodeLike | undefined, now, summary);
  }

  /** One transaction per missing slot: re-count, claim, and create the Task only when the claim is ours. */
  private async claimMissing(m: Candidate & { submitted: number }, episode: EpisodeLike | undefined, now: Date, summary: RunSummary): Promise<void> {
    const episodeRef = episodeId(m.sr);
    const patientId = refId(m.sr.subject?.reference, 'Patient');
    const careTeamId = episode?.team?.map((t) => refId(t.reference, 'CareTeam')).find(Boolean);
    // No Task without someone to do it: an ended episode or one without a team is skipped (and re-examined next run).
    if (!episodeRef || !patientId || !careTeamId || episode?.status !== 'active') {
      this.deps.log?.warn({ serviceRequest: m.serviceRequestId }, 'missing measurement not assigned: no active episode with a care team');
      return;
    }
    const taskId = missingTaskId(m.serviceRequestId, m.start);
    const created = await this.deps.store.transaction(async (tx) => {
      // A late upload may have arrived since the first count: decide on what is there now.
      const [submitted] = await submissionCounts(tx.client, [m]);
      const outcome = submitted >= m.slot.expected ? 'submitted' : 'missing';
      const decision: Decision = { ...m, outcome, expected: m.slot.expected, submitted, taskId: outcome === 'missing' ? taskId : undefined };
      if ((await recordDecisions(tx.client, [decision], now)) === 0) return undefined;
      summary.slotsDecided += 1;
      if (outcome === 'submitted') return void (summary.submitted += 1);
      const task = missingMeasurementTask(
        { serviceRequestId: m.serviceRequestId, patientId, episodeId: episodeRef, careTeamId, code: m.sr.code?.coding?.[0], slot: m.slot, submitted },
        now,
      );
      await tx.create(task, { id: taskId });
      return taskId;
    });
    if (created) {
      summary.tasksCreated += 1;
      summary.taskIds.push(created);
    }
  }

  /** Run every `intervalSeconds` (0 = never); a run never overlaps the previous one. */
  start(intervalSeconds: number): void {
    if (intervalSeconds <= 0) return;
    this.stopped = false;
    const tick = () => {
      this.running = this.runOnce()
        .then(() => this.deps.onRun?.('ok'))
        .catch((err) => {
          this.deps.onRun?.('error');
          this.deps.log?.error({ err: err instanceof Error ? { message: err.message } : err }, 'scheduler run failed');
        })
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, intervalSeconds * 1000);
        });
    };
    this.timer = setTimeout(tick, intervalSeconds * 1000);
  }

  /** Stop the timer and wait for a run in progress (before the pool closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

function episodeId(sr: ServiceRequestLike): string | undefined {
  return refId(sr.extension?.find((e) => e.url === EPISODE_EXTENSION)?.valueReference?.reference, 'EpisodeOfCare');
}
