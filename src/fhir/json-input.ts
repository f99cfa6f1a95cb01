import { hasNul, printable } from './control-characters';
import type { Issue } from './issue';

/**
 * Limits on a parsed JSON body, checked once before anything walks it. The validator, the
 * reference walk and FHIRPath recurse over the document, so a body nested thousands of levels
 * deep (JSON.parse itself copes) would overflow the stack there and answer 500. Real resources
 * are far shallower: a QuestionnaireResponse item nested 20 levels inside a transaction Bundle
 * is about 85 levels deep.
 */
export const MAX_JSON_DEPTH = 100;

/** A container (object or array) on the walk's stack; primitives never get one. */
interface Frame {
  value: object;
  depth: number;
  parent?: Frame;
  key?: string | number;
}

/**
 * The first problem of a parsed JSON document, or undefined: nesting deeper than
 * {@link MAX_JSON_DEPTH}, or U+0000 in a string or property name (PostgreSQL cannot store it).
 * Walks with an explicit stack, so depth alone can never overflow it; an 8 MB transaction costs
 * about as much as its JSON.parse.
 */
export function checkJsonInput(document: unknown): Issue | undefined {
  if (typeof document === 'string') return hasNul(document) ? nulIssue(undefined, undefined, document) : undefined;
  if (typeof document !== 'object' || document === null) return undefined;
  const stack: Frame[] = [{ value: document, depth: 0 }];
  while (stack.length) {
    const frame = stack.pop() as Frame;
    if (frame.depth >= MAX_JSON_DEPTH) {
      return { severity: 'error', code: 'too-long', diagnostics: `The body is nested more than ${MAX_JSON_DEPTH} levels deep`, expression: [pathOf(frame, document)] };
    }
    const value = frame.value;
    const array = Array.isArray(value);
    const keys = array ? undefined : Object.keys(value);
    const length = array ? value.length : (keys as string[]).length;
    for (let i = 0; i < length; i++) {
      const key = array ? i : (keys as string[])[i];
      if (!array && hasNul(key as string)) return nulIssue(frame, key, document);
      const child = (value as Record<string | number, unknown>)[key];
      if (typeof child === 'string') {
        if (hasNul(child)) return nulIssue(frame, key, document);
      } else if (typeof child === 'object' && child !== null) {
        stack.push({ value: child, depth: frame.depth + 1, parent: frame, key });
      }
    }
  }
  return undefined;
}

function nulIssue(parent: Frame | undefined, key: string | number | undefined, document: unknown): Issue {
  const at = parent === undefined ? '(the body)' : pathOf({ value: {}, depth: 0, parent, key }, document);
  return { severity: 'error', code: 'invalid', diagnostics: `${at} contains the control character U+0000, which is not allowed`, expression: [at] };
}

/** FHIRPath-like location: `Patient.name[0].family`, or `[0].value` in a JSON Patch array. */
function pathOf(frame: Frame, document: unknown): string {
  const parts: string[] = [];
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) {
    parts.unshift(typeof f.key === 'number' ? `[${f.key}]` : `.${printable(f.key as string)}`);
  }
  const type = (document as { resourceType?: unknown } | null)?.resourceType;
  const root = typeof type === 'string' && !Array.isArray(document) ? printable(type) : '';
  const path = root + parts.join('');
  return path.startsWith('.') ? path.slice(1) : path || '(the body)';
}
