import type { RawWorkload, Timing } from '../calibrate';
import type { IndexTemplate } from '../index-template';
import type { Measurement } from '../report';

/** What a scenario may use: the listening server, the bench client's access and the run's timing. */
export interface ScenarioContext {
  /** e.g. http://127.0.0.1:40123 (no trailing slash; FHIR base is `${serverUrl}/fhir`). */
  serverUrl: string;
  timing: Timing;
  /**
   * `Authorization: Bearer …` of the bench client (system/*.cruds for its organization).
   * measureHttp (load.ts) already sends it on every request; use it for requests made otherwise.
   */
  headers: Record<string, string>;
  /** A Patient with an active EpisodeOfCare of the client's organization: its data is reachable. */
  patientId: string;
  /** That EpisodeOfCare (managed by the client's organization, with a CareTeam of it). */
  episodeId: string;
  /** The measured database, for reading back what the server wrote (never for the load itself). */
  databaseUrl: string;
  /** The server's process id (e.g. to sample its resident set size while a scenario runs). */
  serverPid?: number;
}

/**
 * What calibrations may use: index rows captured from an Observation the server stored, and
 * the seeded patient (whose data `prepare` may have written).
 */
export interface CalibrationContext {
  observationIndex?: IndexTemplate;
  patientId: string;
}

/**
 * One benchmark scenario: a server workload measured at each concurrency and compared with a
 * raw-database calibration of comparable work at the same concurrency.
 */
export interface Scenario {
  name: string;
  description: string;
  concurrency: number[];
  /**
   * The raw workload this scenario is compared with. Scenarios whose `key` is equal share one
   * calibration per run.
   */
  baseline: { key: string; workload: (context: CalibrationContext) => RawWorkload };
  /** Left out of a run without named scenarios (e.g. it needs a generated cohort first). */
  optIn?: boolean;
  /**
   * Once per run, after the server is up and before any calibration: write the data the
   * scenario and its baseline need (e.g. Observations to search, an enrolment to submit to).
   * Runs before every scenario is measured, so what it writes is there for all of them.
   */
  prepare?(context: ScenarioContext): Promise<void>;
  /** Measure the server at one concurrency (warm-up excluded). */
  measure(context: ScenarioContext, concurrency: number): Promise<Measurement>;
}
