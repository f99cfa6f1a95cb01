import { compile } from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';

/**
 * Preparing SearchParameter FHIRPath expressions for one resource type, compiled once.
 *
 * R4 SearchParameters shared by many types carry one union over all of them
 * (`AllergyIntolerance.code | … | Observation.code`); we keep only the branches for the type
 * being indexed, like HAPI's and Medplum's extractors, so each write evaluates a short
 * expression.
 *
 * `resolve()`: R4 narrows typed references with `X.where(resolve() is Patient)`. fhirpath.js
 * resolves by fetching from a server, which an indexer cannot do. HAPI answers resolve() with a
 * stub resource whose type comes from the reference text; we do the same statically: rewrite
 * `resolve() is T` to a test on the reference's type segment
 * (a regular expression on `reference` ending in `T/id`, optionally `/_history/n`), which holds for relative and
 * absolute references alike. Contained (`#id`) and identifier-only references do not resolve
 * to a typed resource, so they are excluded, as a resolver would exclude them.
 */

/** Evaluates to fhirpath ResourceNodes (resolveInternalTypes: false keeps type information). */
export type CompiledPath = (input: unknown) => unknown[];

const cache = new Map<string, CompiledPath>();

/** Compile an expression with the R4 model, once per distinct text. */
export function compilePath(expression: string): CompiledPath {
  let fn = cache.get(expression);
  if (!fn) {
    const compiled = compile(expression, r4, { resolveInternalTypes: false });
    fn = (input: unknown) => compiled(input as never) as unknown[];
    cache.set(expression, fn);
  }
  return fn;
}

/** The part of `expression` that applies to `resourceType`, with resolve() rewritten; undefined if none. */
export function expressionFor(expression: string, resourceType: string): string | undefined {
  const parts = splitUnion(expression).filter((part) => {
    const head = leadingName(part);
    return head === resourceType || head === 'Resource' || head === 'DomainResource';
  });
  if (parts.length === 0) return undefined;
  return rewriteAs(rewriteResolve(parts.join(' | ')));
}

/**
 * `(X as T)` → `X.ofType(T)`. R4 writes `(Observation.component.value as Quantity)` for
 * collections, but FHIRPath's `as` takes one item: fhirpath.js returns nothing for two
 * components, so a blood pressure's component values went unindexed. `ofType` is the filter
 * the definitions mean (HAPI and Medplum read `as` the same way). Every R4 use of `as` in a
 * SearchParameter is this parenthesised `(path as Type)` form.
 */
export function rewriteAs(expression: string): string {
  return expression.replace(/\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s+as\s+([A-Za-z_][A-Za-z0-9_.]*)\s*\)/g, '$1.ofType($2)');
}

/** Rewrite `resolve() is T` (see module comment). */
export function rewriteResolve(expression: string): string {
  return expression.replace(
    /resolve\(\)\s+is\s+(?:FHIR\.)?([A-Z][A-Za-z]+)/g,
    (_all, type: string) => `reference.matches('^(.*/)?${type}/[^/]+(/_history/[^/]+)?$')`,
  );
}

/** Split on top-level `|`, respecting parentheses and string literals. */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === "'") quote = false;
    } else if (c === "'") quote = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

function leadingName(part: string): string {
  const m = /^[\s(]*([A-Za-z_][A-Za-z0-9_]*)/.exec(part);
  return m ? m[1] : '';
}

/** Index of the parenthesis closing the one `text` opens with. */
export function groupEnd(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      for (i++; i < text.length && text[i] !== "'"; i++) if (text[i] === '\\') i++;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return text.length - 1;
}

/** `(X)` → `X` while one pair of parentheses wraps the whole text. */
export function unwrap(text: string): string {
  let s = text.trim();
  while (s.startsWith('(') && groupEnd(s) === s.length - 1) s = s.slice(1, -1).trim();
  return s;
}
