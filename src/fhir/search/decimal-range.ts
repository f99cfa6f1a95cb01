/**
 * Decimal text → its implicit precision range, computed exactly on digits (no binary floating
 * point): `100` is [99.5, 100.5), `100.00` is [99.995, 100.005), `1e2` is [50, 150).
 * https://hl7.org/fhir/R4/search.html#number
 */

export interface DecimalRange {
  /** the value itself, normalised decimal text */
  value: string;
  low: string;
  high: string;
}

const PATTERN = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Parse decimal text; undefined when it is not a number. */
export function parseDecimalRange(text: string): DecimalRange | undefined {
  const parts = decimalParts(text.trim());
  if (!parts) return undefined;
  // value = digits × 10^-scale; the last written digit has weight 10^-scale
  const { digits, scale } = parts;
  const half = 5n;
  // one more digit of scale for the ± half unit
  const low = digits * 10n - half;
  const high = digits * 10n + half;
  return {
    value: formatScaled(digits, scale),
    low: formatScaled(low, scale + 1),
    high: formatScaled(high, scale + 1),
  };
}

/** Decimal text as `digits × 10^-scale` (exactly), or undefined when it is not a decimal. */
export function decimalParts(text: string): { digits: bigint; scale: number } | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const [, sign, int, frac = '', exp = '0'] = m;
  return { digits: BigInt(int + frac) * (sign === '-' ? -1n : 1n), scale: frac.length - Number(exp) };
}

/** Format `n × 10^-scale` as plain decimal text (scale may be negative). */
export function formatScaled(n: bigint, scale: number): string {
  if (scale <= 0) return (n * 10n ** BigInt(-scale)).toString();
  const negative = n < 0n;
  const abs = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const text = `${abs.slice(0, abs.length - scale)}.${abs.slice(abs.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** A JSON number as index text (JSON has already dropped trailing zeros). */
export function numberText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && PATTERN.test(value)) return value;
  // fhirpath may hand back its FP_Decimal wrapper
  if (value && typeof value === 'object' && typeof (value as { toString(): string }).toString === 'function') {
    const text = String(value);
    if (PATTERN.test(text)) return text;
  }
  return undefined;
}
