import type { Quantity } from '@medplum/fhirtypes';
import type { Colour } from './colour';
import { describeThreshold, type Threshold } from './thresholds';

/**
 * The clinical rule for one measured value, pure.
 *
 * Bounds are INCLUSIVE alarm limits: a value equal to a limit is already outside the range.
 *   red    if value ≤ RAL.low  or value ≥ RAL.high
 *   yellow if value ≤ GAL.low  or value ≥ GAL.high   (and not red)
 *   green  otherwise (strictly between every limit)
 * With the example thresholds (SpO2 RAL low 85, GAL low 88; pulse RAL 50/130, GAL 60/110):
 * SpO2 85 → red, 86..88 → yellow, 89 → green; pulse 50 → red, 51..60 → yellow, 61..109 → green,
 * 110..129 → yellow, 130 → red: for SpO2, red at 85 and below, yellow from 86 to 88, the shared
 * edge going to the worse colour.
 *
 * Relative ranges (a `baseline` on the threshold) compare `value − baseline` with the bounds:
 * heart-failure weight GAL high +2 kg → a gain of 2 kg or more is yellow.
 *
 * What the rule cannot decide is a `problem`, never a silent green: no thresholds, a unit that
 * is not the thresholds' unit, or a relative range without a baseline.
 */
export interface ValueVerdict {
  colour: Colour;
  /** Why: the value and the limit that decided it (or "within all limits"). */
  reason: string;
  /** The thresholds the value was compared with, as absolute ranges (for Observation.referenceRange). */
  used: AbsoluteRange[];
  /** Set when the value could not be triaged automatically. */
  problem?: string;
}

export interface AbsoluteRange {
  type: 'RAL' | 'GAL';
  low?: number;
  high?: number;
  unit: string;
  /** Relative ranges: the baseline they were resolved against. */
  baseline?: { value: number; reference?: string };
}

/** What a problem is triaged as: it needs a person, urgently, but not as an alarm. */
export const UNTRIAGED_COLOUR: Colour = 'yellow';

export interface BaselineValue {
  value: number;
  unit: string;
  reference?: string;
}

export function triageValue(label: string, value: Quantity, thresholds: readonly Threshold[], baseline?: BaselineValue): ValueVerdict {
  const unit = value.code ?? value.unit ?? '';
  const shown = `${label} ${value.value} ${unit}`.trim();
  const problem = (text: string): ValueVerdict => ({ colour: UNTRIAGED_COLOUR, reason: `${shown}: ${text}`, used: [], problem: text });
  if (typeof value.value !== 'number') return problem('no numeric value');
  if (thresholds.length === 0) return problem('no thresholds are set for this measurement');
  const used: AbsoluteRange[] = [];
  for (const t of thresholds) {
    for (const bound of [t.low, t.high]) {
      const boundUnit = bound?.code ?? bound?.unit;
      if (bound && boundUnit !== unit) return problem(`unit ${unit || '(none)'} does not match the threshold unit ${boundUnit ?? '(none)'}`);
    }
    const offset = t.baseline ? baseline : undefined;
    if (t.baseline && !baseline) return problem(`${describeThreshold(t)}: no baseline Goal with a target value`);
    if (t.baseline && baseline && baseline.unit !== unit) return problem(`baseline unit ${baseline.unit} does not match ${unit}`);
    const shift = offset?.value ?? 0;
    used.push({
      type: t.type,
      ...(t.low?.value !== undefined ? { low: round(t.low.value + shift) } : {}),
      ...(t.high?.value !== undefined ? { high: round(t.high.value + shift) } : {}),
      unit,
      ...(offset ? { baseline: { value: offset.value, ...(offset.reference ? { reference: offset.reference } : {}) } } : {}),
    });
  }
  const v = value.value;
  for (const type of ['RAL', 'GAL'] as const) {
    for (const r of used.filter((u) => u.type === type)) {
      const colour: Colour = type === 'RAL' ? 'red' : 'yellow';
      const rel = r.baseline ? ` (baseline ${r.baseline.value} ${unit} ${signed(v - r.baseline.value)} ${unit})` : '';
      if (r.low !== undefined && v <= r.low) return { colour, reason: `${shown}${rel} ≤ ${type} low limit ${r.low} ${unit}`, used };
      if (r.high !== undefined && v >= r.high) return { colour, reason: `${shown}${rel} ≥ ${type} high limit ${r.high} ${unit}`, used };
    }
  }
  return { colour: 'green', reason: `${shown} within all limits`, used };
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function signed(n: number): string {
  const r = round(n);
  return r >= 0 ? `+${r}` : String(r);
}
