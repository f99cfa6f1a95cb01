import { randomUUID } from 'node:crypto';

// CPR numbers, the Danish civil registration numbers (identifier system urn:oid:1.2.208.176.1.2,
// https://cpr.dk): DDMMYY, an optional hyphen, four digits. Recognized here so that none ends up
// in a log line, an audit record or a logical id.

// Masking takes any such digit run (not longer ones), date or not: hiding a number too many is
// harmless, missing one is not.
const CPR_RUN = /(^|[^0-9])\d{6}-?\d{4}(?![0-9])/g;

/**
 * A random UUID with no CPR-shaped digit run (about one UUID in two hundred has one, e.g.
 * `ab010150-4321-…`), drawn again until it has none. Ids the server assigns appear in URLs, and a
 * URL is masked before it is logged or audited: an id masked there would leave the audit trail
 * unable to say which resource was touched.
 */
export function cprFreeUuid(): string {
  for (;;) {
    const id = randomUUID();
    CPR_RUN.lastIndex = 0;
    if (!CPR_RUN.test(id)) return id;
  }
}

/** `text` with every CPR-shaped number replaced by `xxxxxx-xxxx`, even inside `…|0101504321`. */
export function maskCpr(text: string): string {
  return text.replace(CPR_RUN, (_m, before: string) => `${before}xxxxxx-xxxx`);
}

/**
 * A URL's path or query as it is meant (percent-decoded), with CPR numbers masked. `%30101504321`
 * and `010150%2D4321` are the CPR numbers the server sees, so they are decoded before masking, and
 * the decoded form is what may be logged or recorded. Decoding is lenient (a malformed escape
 * elsewhere must not leave the rest encoded, hence unmasked) and repeated until nothing changes,
 * so a doubly encoded number is masked too.
 */
export function maskCprInUrl(text: string): string {
  let decoded = text;
  for (let i = 0; i < 4; i++) {
    const next = decodeLeniently(decoded);
    if (next === decoded) break;
    decoded = next;
  }
  return maskCpr(decoded);
}

/**
 * Every run of %XX escapes decoded as UTF-8, bytes that are no valid UTF-8 becoming U+FFFD, as
 * URLSearchParams decodes them: `%C3%30101504321` is U+FFFD and a CPR number.
 */
function decodeLeniently(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.slice(1).split('%').map((hex) => parseInt(hex, 16))).toString('utf8'));
}

const CPR_EXACT = /(?:^|[^0-9])(\d{2})(\d{2})(\d{2})-?\d{4}(?![0-9])/g;

/**
 * Whether `text` holds a CPR number: ten digits (a hyphen allowed after the sixth) standing
 * alone, whose first six are a date DDMMYY. The century is not in the number, so 29 February
 * counts in every year divisible by four (00 included: 2000 was a leap year).
 */
export function containsCprNumber(text: string): boolean {
  for (const [, dd, mm, yy] of text.matchAll(CPR_EXACT)) {
    if (isDate(Number(dd), Number(mm), Number(yy))) return true;
  }
  return false;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isDate(day: number, month: number, year: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (month === 2 && day === 29) return year % 4 === 0;
  return day <= DAYS_IN_MONTH[month - 1];
}
