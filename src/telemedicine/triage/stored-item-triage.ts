import type { Coding, Observation, ObservationReferenceRange } from '@medplum/fhirtypes';
import { triageObservation, type ItemFinding } from './observation-triage';
import type { Threshold } from './thresholds';

/**
 * The thresholds a submission triaged an Observation against, read back from the
 * `referenceRange`s the triage copied onto it (the value's own, and each component's naming the
 * component's code): absolute ranges, relative ones already resolved on the baseline of the day.
 * The thresholds of the ServiceRequest may have changed since; these are the ones that applied.
 */
export function thresholdsUsed(obs: Observation): Threshold[] {
  const own = (obs.referenceRange ?? []).flatMap((r) => asThreshold(r, undefined));
  const parts = (obs.component ?? []).flatMap((c) => (c.referenceRange ?? []).flatMap((r) => asThreshold(r, c.code?.coding?.[0])));
  return [...own, ...parts];
}

/** An Observation triaged again against the thresholds its submission used. */
export function retriageObservation(obs: Observation): ItemFinding {
  return triageObservation(obs, thresholdsUsed(obs), () => undefined).finding;
}

function asThreshold(range: ObservationReferenceRange, code: Coding | undefined): Threshold[] {
  const type = range.type?.coding?.find((c) => c.code === 'RAL' || c.code === 'GAL')?.code;
  if (type !== 'RAL' && type !== 'GAL') return [];
  return [{ type, ...(range.low ? { low: range.low } : {}), ...(range.high ? { high: range.high } : {}), ...(code ? { code } : {}) }];
}
