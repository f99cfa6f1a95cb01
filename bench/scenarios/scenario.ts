import type { RawWorkload, Timing } from '../calibrate';
import type { Measurement } from '../report';

/** What a scenario may use: the listening server and the run's timing. */
export interface ScenarioContext {
  /** e.g. http://127.0.0.1:40123 (no trailing slash; FHIR base is `${serverUrl}/fhir`). */
  serverUrl: string;
  timing: Timing;
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
  baseline: { key: string; workload: () => RawWorkload };
  /** Measure the server at one concurrency (warm-up excluded). */
  measure(context: ScenarioContext, concurrency: number): Promise<Measurement>;
}
