import type { StructureDefinition } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../definitions/registry';
import { controlCharacterIn, loneSurrogateIn } from '../control-characters';
import { checkXhtml } from './xhtml';

/**
 * Checks for the R4 primitive types, built once from the primitive StructureDefinitions.
 * https://hl7.org/fhir/R4/datatypes.html#primitive
 * https://hl7.org/fhir/R4/json.html#primitive
 */

/** The JSON type a primitive is written as: numbers and booleans are never quoted in R4 JSON. */
export type JsonKind = 'string' | 'number' | 'boolean';

/** One primitive type, compiled: its JSON representation plus a format check. */
export interface PrimitiveType {
  /** The FHIR type code, e.g. `dateTime`. */
  readonly code: string;
  readonly json: JsonKind;
  /**
   * Checks a value already known to be of the right JSON type.
   * Returns a readable reason when the format is wrong, else undefined.
   */
  readonly check: (value: string | number | boolean) => string | undefined;
}

const REGEX_EXT = 'http://hl7.org/fhir/StructureDefinition/regex';
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** The spec's string limit; the StructureDefinition carries it as maxLength on string.value. */
const DEFAULT_MAX_STRING = 1048576;

const JSON_KIND: Record<string, JsonKind> = {
  boolean: 'boolean',
  integer: 'number',
  positiveInt: 'number',
  unsignedInt: 'number',
  decimal: 'number',
};

/**
 * Build the checkers for every primitive type in the registry. Regular expressions come from
 * the `value` element of each primitive StructureDefinition (anchored: the spec's regexes
 * describe the whole value); the JSON number types are checked on the number itself, since
 * their regexes describe the XML lexical form.
 */
export function compilePrimitiveTypes(registry: DefinitionRegistry): Map<string, PrimitiveType> {
  const out = new Map<string, PrimitiveType>();
  for (const sd of registry.structureDefinitions()) {
    if (sd.kind !== 'primitive-type' || sd.derivation === 'constraint' || !sd.type) continue;
    out.set(sd.type, compilePrimitive(sd));
  }
  return out;
}

function compilePrimitive(sd: StructureDefinition): PrimitiveType {
  const code = sd.type as string;
  const value = sd.snapshot?.element?.find((e) => e.path === `${code}.value`);
  const json = JSON_KIND[code] ?? 'string';
  if (json === 'boolean') return { code, json, check: () => undefined };
  if (json === 'number') {
    const checkNumber = numberCheck(code);
    return { code, json, check: (n) => checkNumber(n as number) };
  }

  const source = value?.type?.[0]?.extension?.find((x) => x.url === REGEX_EXT)?.valueString;
  // R4 limits strings to 1 MB; base64Binary has no such limit (a Binary's size is the server's
  // KOLIBRI_BINARY_MAX_BYTES, checked on the decoded content).
  const maxLength = value?.maxLength ?? (code === 'base64Binary' ? Number.POSITIVE_INFINITY : DEFAULT_MAX_STRING);
  // base64Binary's published regex nests \s* inside a repeated group, which backtracks
  // exponentially on long invalid input; checkBase64 accepts exactly the same language.
  const regex = source && code !== 'base64Binary' ? new RegExp(`^(?:${xsdToJs(source)})$`) : undefined;
  const calendar = code === 'date' || code === 'dateTime' || code === 'instant';
  const check = (value: string | number | boolean): string | undefined => {
    const s = value as string;
    // https://hl7.org/fhir/R4/json.html: a property is either absent or has content
    if (s.length === 0) return 'must not be an empty string (omit the element instead)';
    if (s.length > maxLength) return `longer than ${maxLength} characters`;
    if (code === 'base64Binary') return checkBase64(s);
    // The regexes' XSD \S admits C0 controls; the string type does not (tab, CR and LF aside).
    // https://hl7.org/fhir/R4/datatypes.html#string
    const control = controlCharacterIn(s);
    if (control) return `contains the control character ${control}, which FHIR strings may not hold`;
    const surrogate = loneSurrogateIn(s);
    if (surrogate) return `contains ${surrogate}, half of a UTF-16 surrogate pair and no Unicode character`;
    if (code === 'xhtml') {
      const problems = checkXhtml(s);
      return problems.length ? problems.join('; ') : undefined;
    }
    if (regex && !regex.test(s)) return `'${clip(s)}' is not a valid ${code}`;
    if (calendar && !isCalendarDate(s)) return `'${clip(s)}' is not a real calendar date`;
    return undefined;
  };
  return { code, json, check };
}

/**
 * The spec's regexes are XML Schema regexes, whose `\s` is only space, tab, CR and LF
 * (https://www.w3.org/TR/xmlschema-2/#charcter-classes); JavaScript's also matches NBSP and
 * other Unicode spaces, which would reject valid strings such as 'Program\u00a0'.
 */
export function xsdToJs(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\' && i + 1 < source.length) {
      const next = source[++i];
      if (next === 's') out += inClass ? XSD_SPACE : `[${XSD_SPACE}]`;
      else if (next === 'S') out += inClass ? XSD_NON_SPACE : `[^${XSD_SPACE}]`;
      else out += c + next;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
  }
  return out;
}

const XSD_SPACE = ' \\t\\n\\r';
/** Every UTF-16 code unit but the four XSD spaces, for use inside a character class. */
const XSD_NON_SPACE = '\\0-\\x08\\x0B\\x0C\\x0E-\\x1F\\x21-\\uFFFF';

/** https://hl7.org/fhir/R4/datatypes.html#integer (32-bit signed), positiveInt and unsignedInt. */
function numberCheck(code: string): (n: number) => string | undefined {
  if (code === 'decimal') {
    // JSON.parse turns 1e400 into Infinity, which no decimal can represent.
    return (n) => (Number.isFinite(n) ? undefined : `${n} is not a finite decimal`);
  }
  const min = code === 'positiveInt' ? 1 : code === 'unsignedInt' ? 0 : INT32_MIN;
  return (n) => {
    if (!Number.isInteger(n)) return `${n} is not a whole number`;
    if (n < min || n > INT32_MAX) return `${n} is outside the range of ${code} (${min}..${INT32_MAX})`;
    return undefined;
  };
}

/**
 * The language of base64Binary's regex `(\s*([0-9a-zA-Z\+/=]){4}\s*)+`: whitespace anywhere,
 * at least one group of four base64 characters and a multiple of four in all, checked in one pass.
 */
function checkBase64(s: string): string | undefined {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    const ok =
      (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 61;
    if (!ok) return `character '${s[i]}' is not allowed in base64Binary`;
    count++;
  }
  if (count === 0 || count % 4 !== 0) return 'is not valid base64 (length is not a multiple of 4)';
  return undefined;
}

/**
 * The regexes allow 2026-02-30; the value domain is real dates (xs:date / xs:dateTime).
 * The value has already matched the regex, so the digits are where we expect them.
 */
function isCalendarDate(s: string): boolean {
  if (s.length < 10) return true; // year or year-month only
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  return day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function digits(s: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

/** Echo at most a short prefix of a bad value: enough to spot the mistake, never a whole document. */
export function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
