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

interface Frame {
  value: unknown;
  depth: number;
  parent?: Frame;
  key?: string | number;
}

/**
 * The first problem of a parsed JSON document, or undefined: nesting deeper than
 * {@link MAX_JSON_DEPTH}, or U+0000 in a string or property name (PostgreSQL cannot store it).
 * Walks with an explicit stack, so depth alone can never overflow it.
 */
export function checkJsonInput(document: unknown): Issue | undefined {
  const stack: Frame[] = [{ value: document, depth: 0 }];
  while (stack.length) {
    const frame = stack.pop() as Frame;
    const { value, depth } = frame;
    if (typeof value === 'string') {
      if (hasNul(value)) return nulIssue(frame, document);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      return { severity: 'error', code: 'too-long', diagnostics: `The body is nested more than ${MAX_JSON_DEPTH} levels deep`, expression: [pathOf(frame, document)] };
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, parent: frame, key: i });
      continue;
    }
    for (const key of Object.keys(value)) {
      const child: Frame = { value: (value as Record<string, unknown>)[key], depth: depth + 1, parent: frame, key };
      if (hasNul(key)) return nulIssue(child, document);
      stack.push(child);
    }
  }
  return undefined;
}

function nulIssue(frame: Frame, document: unknown): Issue {
  const at = pathOf(frame, document);
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
