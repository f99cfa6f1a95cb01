import type { DefinitionRegistry } from '../../definitions/registry';

/**
 * One interface per SearchParameter type: which modifiers it takes and how a value is parsed
 * into a storage-free condition (prefixes, ranges, normalised codes and units); the store
 * compiles those to SQL (src/store/search/conditions/).
 * https://hl7.org/fhir/R4/search.html#ptypes
 */

/** Facts a value parser may need. */
export interface ValueContext {
  registry: DefinitionRegistry;
  baseUrl?: string;
  /** Target types the reference parameter allows (reference only). */
  targets?: readonly string[];
  /** The current time for `ap` (injected for deterministic tests). */
  now: Date;
  /** Component value types (composite only). */
  components?: readonly string[];
}

/** A value that could not be parsed; the message names what is wrong. */
export interface ValueError {
  error: string;
}

export function isValueError(v: unknown): v is ValueError {
  return typeof v === 'object' && v !== null && 'error' in v;
}

export interface ParamHandler<V = unknown> {
  /** Modifiers accepted besides `:missing` (handled for every type by the parser). */
  readonly modifiers: readonly string[];
  parseValue(text: string, modifier: string | undefined, ctx: ValueContext): V | ValueError;
}

/**
 * Split on an unescaped separator (`,` between values, `|` in tokens, `$` in composites) and
 * unescape `\,` `\|` `\$` `\\` in the parts (https://hl7.org/fhir/R4/search.html#escaping).
 */
export function splitEscaped(text: string, separator: string, limit = Infinity): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1];
      // only this separator is unescaped here; other escapes stay for later splits and unescapeValue
      current += next === separator ? next : c + next;
      i++;
    } else if (c === separator && parts.length < limit - 1) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** Remove any remaining escapes once all splitting is done. */
export function unescapeValue(text: string): string {
  return text.replace(/\\([,|$\\])/g, '$1');
}

export const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
export type Prefix = (typeof PREFIXES)[number];

/** Take an optional comparison prefix; an unknown two-letter prefix is an error. */
export function takePrefix(text: string): { prefix: Prefix; rest: string } | ValueError {
  const m = /^([a-z]{2})(.*)$/.exec(text);
  if (!m) return { prefix: 'eq', rest: text };
  if (!(PREFIXES as readonly string[]).includes(m[1])) return { error: `unknown prefix '${m[1]}'` };
  return { prefix: m[1] as Prefix, rest: m[2] };
}
