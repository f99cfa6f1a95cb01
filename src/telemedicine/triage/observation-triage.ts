import type { Coding, Observation, ObservationReferenceRange, Quantity } from '@medplum/fhirtypes';
import { worst, type Colour } from './colour';
import { THRESHOLD_TYPE_SYSTEM, thresholdsFor, type Threshold } from './thresholds';
import { triageValue, UNTRIAGED_COLOUR, type AbsoluteRange, type BaselineValue, type ValueVerdict } from './value-rule';

/** The triage of one submitted item (an Observation or a QuestionnaireResponse). */
export interface ItemFinding {
  colour: Colour;
  /** One line per value or answer that was judged: what drove the colour. */
  reasons: string[];
  /** What could not be triaged automatically (never a silent green). */
  problems: string[];
}

/** Baseline values by measurement code (`system|code`), from the latest baseline Goals. */
export type BaselineLookup = (code: readonly Coding[]) => BaselineValue | undefined;

/**
 * Triage an Observation against its ServiceRequest's thresholds: its value against the ranges
 * for its own code, each component (blood pressure: systolic, diastolic) against the ranges
 * naming the component's code. Returns the finding and a copy of the Observation with the
 * thresholds used as `referenceRange` (absolute values; relative ones resolved on the baseline).
 */
export function triageObservation(obs: Observation, thresholds: readonly Threshold[], baselineOf: BaselineLookup): { finding: ItemFinding; observation: Observation } {
  const verdicts: ValueVerdict[] = [];
  const copy: Observation = { ...obs };
  const codes = obs.code?.coding ?? [];
  if (obs.valueQuantity) {
    const verdict = judge(label(codes), obs.valueQuantity, thresholdsFor(thresholds, codes, true), codes, baselineOf);
    verdicts.push(verdict);
    if (verdict.used.length) copy.referenceRange = verdict.used.map(referenceRange);
  }
  if (obs.component?.length) {
    copy.component = obs.component.map((c) => {
      if (!c.valueQuantity) return c;
      const ccodes = c.code?.coding ?? [];
      const verdict = judge(label(ccodes), c.valueQuantity, thresholdsFor(thresholds, ccodes, false), ccodes, baselineOf);
      verdicts.push(verdict);
      return verdict.used.length ? { ...c, referenceRange: verdict.used.map(referenceRange) } : c;
    });
  }
  if (verdicts.length === 0) {
    const text = `${label(codes)}: no measured value to triage`;
    return { finding: { colour: UNTRIAGED_COLOUR, reasons: [text], problems: [text] }, observation: copy };
  }
  return {
    finding: {
      colour: worst(verdicts.map((v) => v.colour)),
      reasons: verdicts.map((v) => v.reason),
      problems: verdicts.filter((v) => v.problem).map((v) => v.reason),
    },
    observation: copy,
  };
}

function judge(name: string, value: Quantity, ranges: Threshold[], codes: readonly Coding[], baselineOf: BaselineLookup): ValueVerdict {
  const baseline = ranges.some((r) => r.baseline) ? baselineOf(codes) : undefined;
  return triageValue(name, value, ranges, baseline);
}

function label(codes: readonly Coding[]): string {
  return codes.map((c) => c.code).filter(Boolean).join('/') || 'measurement';
}

/** A range used as Observation.referenceRange: the limits, the range type (RAL/GAL) and, for relative ones, the baseline. */
export function referenceRange(r: AbsoluteRange): ObservationReferenceRange {
  const q = (value: number) => ({ value, unit: r.unit, system: 'http://unitsofmeasure.org', code: r.unit });
  return {
    ...(r.low !== undefined ? { low: q(r.low) } : {}),
    ...(r.high !== undefined ? { high: q(r.high) } : {}),
    type: { coding: [{ system: THRESHOLD_TYPE_SYSTEM, code: r.type, display: r.type === 'RAL' ? 'Red alarm limit' : 'Yellow alarm limit' }] },
    text: `${r.type === 'RAL' ? 'Red' : 'Yellow'} alarm limits, inclusive (a value equal to a limit is outside)${
      r.baseline ? `; relative to baseline ${r.baseline.value} ${r.unit}${r.baseline.reference ? ` (${r.baseline.reference})` : ''}` : ''
    }`,
  };
}
