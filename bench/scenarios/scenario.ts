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
}

/** What calibrations may use: index rows captured from an Observation the server stored. */
export interface CalibrationContext {
  observationIndex?: IndexTemplate;
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
  /** Measure the server at one concurrency (warm-up excluded). */
  measure(context: ScenarioContext, concurrency: number): Promise<Measurement>;
}
