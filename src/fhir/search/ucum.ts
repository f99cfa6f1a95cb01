import { UcumLhcUtils } from '@lhncbc/ucum-lhc';
import { decimalParts, formatScaled } from './decimal-range';

/**
 * UCUM canonical forms for quantity search (https://hl7.org/fhir/R4/search.html#quantity: a
 * server "SHOULD" compare UCUM quantities in canonical units, so `5.4|…|kg` finds `5400 g`).
 * A unit code is reduced to its base units with @lhncbc/ucum-lhc: `kg` is 1000 × `g`, `/min` is
 * 1/60 × `s-1`, `%` is 0.01 × `1`. Values are then scaled exactly on decimal digits (the factor
 * is rounded to 15 significant digits, dropping the library's binary noise such as
 * 999999999999.9999 for `10*3/uL`), so index and search scale alike and compare exactly.
 * Special units (`Cel`, `[degF]`, pH: offsets or logarithms, not a factor) and invalid codes
 * have no canonical form and are compared as written.
 */

export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

export interface CanonicalUnit {
  /** base units with exponents, `.`-joined in name order (`g.m-1.s-2`); `1` when dimensionless */
  code: string;
  /** decimal text: one of the unit in base units */
  factor: string;
}

const cache = new Map<string, CanonicalUnit | null>();
let utils: ReturnType<typeof UcumLhcUtils.getInstance> | undefined;

/** The canonical form of a UCUM code, or undefined (special or invalid unit). */
export function canonicalUnit(code: string): CanonicalUnit | undefined {
  let found = cache.get(code);
  if (found === undefined) {
    found = convert(code);
    // unit codes come from stored data and search values: keep the cache bounded
    if (cache.size > 10_000) cache.clear();
    cache.set(code, found);
  }
  return found ?? undefined;
}

/** UCUM codes are printable ASCII without spaces; anything else is refused before the library sees it (it logs such codes to the console). */
const UCUM_CODE = /^[\x21-\x7e]{1,100}$/;

function convert(code: string): CanonicalUnit | null {
  if (!UCUM_CODE.test(code)) return null;
  let result;
  try {
    utils ??= UcumLhcUtils.getInstance();
    result = utils.convertToBaseUnits(code, 1);
  } catch {
    return null;
  }
  if (result.status !== 'succeeded' || result.fromUnitIsSpecial || !result.unitToExp) return null;
  const magnitude = result.magnitude;
  if (typeof magnitude !== 'number' || !Number.isFinite(magnitude) || magnitude <= 0) return null;
  const units = Object.entries(result.unitToExp)
    .filter(([, exp]) => exp !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([unit, exp]) => (exp === 1 ? unit : `${unit}${exp}`));
  return { code: units.length ? units.join('.') : '1', factor: String(Number(magnitude.toPrecision(15))) };
}

/** `value × factor` on decimal text, exactly; ±Infinity (open ends) stays as it is. */
export function scaleDecimal(value: string, factor: string): string {
  if (value === 'Infinity' || value === '-Infinity') return value;
  const a = decimalParts(value);
  const f = decimalParts(factor);
  if (!a || !f) throw new Error(`not a decimal: ${a ? factor : value}`);
  return trimZeros(formatScaled(a.digits * f.digits, a.scale + f.scale));
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
