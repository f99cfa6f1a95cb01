import type { Coding, Extension, Quantity, Reference } from '@medplum/fhirtypes';

/**
 * The thresholds extension (fhir-profiles/extension-thresholds.json) read into plain data.
 * Thresholds live on a ServiceRequest (the patient's copy) or on an ActivityDefinition (the
 * template's defaults, copied by $apply).
 */
export const THRESHOLDS_EXTENSION = 'https://kolibri.dk/fhir/StructureDefinition/ext-thresholds';
export const THRESHOLD_TYPE_SYSTEM = 'urn:oid:1.2.208.184.100.1';

export interface Threshold {
  /** RAL: outside is red. GAL: outside is yellow. */
  type: 'RAL' | 'GAL';
  low?: Quantity;
  high?: Quantity;
  /** Relative range: bounds are offsets from the baseline Goal's target value. */
  baseline?: Reference;
  /** The value or component code the range applies to; absent = the regime's own code. */
  code?: Coding;
}

/** The thresholds of a resource's `extension` list; malformed ones (no type) are skipped. */
export function readThresholds(extensions: readonly Extension[] | undefined): Threshold[] {
  const out: Threshold[] = [];
  for (const ext of extensions ?? []) {
    if (ext.url !== THRESHOLDS_EXTENSION) continue;
    const part = (url: string) => ext.extension?.find((e) => e.url === url);
    const type = part('type')?.valueCoding?.code;
    if (type !== 'RAL' && type !== 'GAL') continue;
    const t: Threshold = { type };
    const low = part('low')?.valueQuantity;
    const high = part('high')?.valueQuantity;
    const baseline = part('baseline')?.valueReference;
    const code = part('code')?.valueCoding;
    if (low) t.low = low;
    if (high) t.high = high;
    if (baseline) t.baseline = baseline;
    if (code) t.code = code;
    out.push(t);
  }
  return out;
}

/** The thresholds that apply to a value with `code`: those naming it, or those naming no code when `ownCode`. */
export function thresholdsFor(all: readonly Threshold[], code: readonly Coding[], ownCode: boolean): Threshold[] {
  return all.filter((t) => (t.code ? code.some((c) => c.code === t.code?.code && c.system === t.code?.system) : ownCode));
}

/** A readable range: "RAL low 85 % high 130 /min (relative to baseline)". */
export function describeThreshold(t: Threshold): string {
  const q = (x: Quantity) => `${x.value} ${x.code ?? x.unit ?? ''}`.trim();
  const parts = [t.type, t.low ? `≤ ${q(t.low)}` : undefined, t.high ? `≥ ${q(t.high)}` : undefined].filter(Boolean);
  return `${parts.join(' ')}${t.baseline ? ' relative to baseline' : ''}`;
}
