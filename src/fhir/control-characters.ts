/**
 * C0 control characters in request text. FHIR strings may not hold code points below U+0020
 * except tab, LF and CR (https://hl7.org/fhir/R4/datatypes.html#string), and PostgreSQL text
 * cannot hold U+0000 at all (SQLSTATE 22021, or 22P05 in jsonb): a NUL that reached a query
 * or a write used to surface as a 500. Callers reject such text early with a 400 naming where
 * it was.
 */

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

/** The first forbidden control character in `text` as `U+0000`, or undefined. */
export function controlCharacterIn(text: string): string | undefined {
  const m = CONTROL.exec(text);
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : undefined;
}

// A UTF-16 surrogate without its partner: no Unicode character at all. JSON.parse lets
// "\ud800" through, PostgreSQL's jsonb refuses it (22P02), and FHIR strings are Unicode text.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first lone surrogate in `text` as `U+D800`, or undefined. */
export function loneSurrogateIn(text: string): string | undefined {
  const m = LONE_SURROGATE.exec(text);
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase()}` : undefined;
}

/** Whether `text` holds U+0000, which no PostgreSQL text or jsonb value can. */
export function hasNul(text: string): boolean {
  return text.includes('\u0000');
}

/** A name or value that may hold control characters, safe to echo in a diagnostic. */
export function printable(text: string): string {
  const escaped = text.replace(/[\u0000-\u001F]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > 60 ? `${escaped.slice(0, 60)}…` : escaped;
}
