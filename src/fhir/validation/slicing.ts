import type { Issue } from '../issue';
import { equalsFixed, matchesPattern } from './pattern';
import type { ElementNode, ElementTree } from '../definitions/element-tree';

/**
 * Slicing: which slice each item of a sliced element belongs to, by the discriminators
 * value, pattern, type, profile and exists; then open/closed/openAtEnd rules, ordering and
 * each slice's own cardinality. https://hl7.org/fhir/R4/profiling.html#slicing
 * Discriminator paths may be `$this`, dotted element names, `extension('url')` and
 * `ofType(T)`; `resolve()` needs the referenced resource and never matches here.
 */

export interface SliceEnv {
  /** A compiled tree by type code or profile URL. */
  tree(urlOrType: string): ElementTree | undefined;
  /** Whether a value conforms to a profile (no errors), for `profile` discriminators. */
  conforms(value: unknown, profileUrl: string): boolean;
}

/** For each item, the index of its slice in `el.slices`, or -1. Adds rule and cardinality issues. */
export function assignSlices(items: unknown[], el: ElementNode, env: SliceEnv, expression: string, issues: Issue[]): number[] {
  const slicing = el.slicing!;
  const assigned = items.map((item) => el.slices.findIndex((slice) => slicing.discriminator.every((d) => matches(item, slice, d.type as string, d.path as string, env))));
  let lastMatched = -1;
  let sawUnmatched = false;
  for (let i = 0; i < items.length; i++) {
    const s = assigned[i];
    if (s < 0) {
      if (slicing.rules === 'closed') {
        issues.push(error('structure', `${expression}[${i}]`, `${expression}[${i}] matches none of the slices (${names(el)}) and the slicing is closed`));
      }
      sawUnmatched = true;
      continue;
    }
    if (slicing.rules === 'openAtEnd' && sawUnmatched) {
      issues.push(error('structure', `${expression}[${i}]`, `${expression}[${i}]: items not in a slice must come after all slices (openAtEnd)`));
    }
    if (slicing.ordered && s < lastMatched) {
      issues.push(error('structure', `${expression}[${i}]`, `${expression}[${i}] is in slice '${el.slices[s].sliceName}' but the slices must appear in order (${names(el)})`));
    }
    lastMatched = Math.max(lastMatched, s);
  }
  el.slices.forEach((slice, s) => {
    const count = assigned.filter((a) => a === s).length;
    if (count < slice.min) {
      issues.push(error('required', expression, `${expression}: slice '${slice.sliceName}' needs at least ${slice.min} item(s), found ${count}`));
    } else if (count > slice.max) {
      issues.push(error('structure', expression, `${expression}: slice '${slice.sliceName}' allows at most ${slice.max} item(s), found ${count}`));
    }
  });
  return assigned;
}

function matches(item: unknown, slice: ElementNode, type: string, path: string, env: SliceEnv): boolean {
  const values = valuesAt(item, path);
  if (values === undefined) return false;
  // An extension slice typed by its definition has url = the definition's URL.
  const extensionUrl = path === 'url' && slice.types[0]?.code === 'Extension' ? slice.types[0].profile[0] : undefined;
  if (extensionUrl !== undefined && (type === 'value' || type === 'pattern')) return values.includes(extensionUrl);
  const target = elementAt(slice, path, env);
  if (!target) return false;
  switch (type) {
    case 'value':
    case 'pattern': {
      const fixed = target.fixed ?? target.pattern;
      if (!fixed) return false;
      const compare = target.fixed ? equalsFixed : matchesPattern;
      return values.some((v) => compare(v, fixed.value));
    }
    case 'exists':
      return target.min > 0 ? values.length > 0 : target.max === 0 ? values.length === 0 : true;
    case 'type':
      return values.some((v) => target.types.some((t) => t.code === typeOf(v)));
    case 'profile':
      return values.some((v) => target.types.some((t) => t.profile.some((p) => env.conforms(v, p))));
    default:
      return false;
  }
}

function typeOf(v: unknown): string | undefined {
  if (v && typeof v === 'object' && typeof (v as { resourceType?: unknown }).resourceType === 'string') {
    return (v as { resourceType: string }).resourceType;
  }
  return undefined;
}

/** The element a discriminator path names inside a slice (descending into its type's tree when not unfolded). */
function elementAt(slice: ElementNode, path: string, env: SliceEnv): ElementNode | undefined {
  let el: ElementNode | undefined = slice;
  for (const seg of segments(path)) {
    if (seg === '$this') continue;
    if (seg.startsWith('ofType(') || seg.startsWith('resolve(')) return el;
    const ext = /^extension\('(.+)'\)$/.exec(seg);
    if (el === undefined) return undefined;
    const container: ElementNode | undefined = el.children.length ? el : typeRoot(el, env);
    if (!container) return undefined;
    if (ext) {
      const extEl: ElementNode | undefined = container.children.find((c) => c.name === 'extension');
      el = extEl?.slices.find((s: ElementNode) => s.types[0]?.profile[0] === ext[1]);
      continue;
    }
    el = container.children.find((c) => c.name === seg);
  }
  return el;
}

function typeRoot(el: ElementNode, env: SliceEnv): ElementNode | undefined {
  const t = el.types[0];
  if (!t) return undefined;
  return (t.profile[0] ? env.tree(t.profile[0]) : undefined)?.root ?? env.tree(t.code)?.root;
}

/** The instance values a discriminator path selects from one item, or undefined when unsupported. */
export function valuesAt(item: unknown, path: string): unknown[] | undefined {
  let current: unknown[] = [item];
  for (const seg of segments(path)) {
    if (seg === '$this') continue;
    if (seg.startsWith('resolve(')) return undefined;
    const next: unknown[] = [];
    const ext = /^extension\('(.+)'\)$/.exec(seg);
    const ofType = /^ofType\((.+)\)$/.exec(seg);
    for (const v of current) {
      if (!v || typeof v !== 'object') continue;
      const o = v as Record<string, unknown>;
      if (ext) {
        for (const x of (o.extension as { url?: string }[] | undefined) ?? []) if (x?.url === ext[1]) next.push(x);
      } else if (ofType) {
        if (typeOf(v) === ofType[1] || !typeOf(v)) next.push(v);
      } else {
        // a choice is named by its stem in paths: `author` finds `authorString`
        const key = seg in o ? seg : Object.keys(o).find((k) => k.startsWith(seg) && /^[A-Z]/.test(k.charAt(seg.length)));
        const child = key === undefined ? undefined : o[key];
        if (child === undefined || child === null) continue;
        if (Array.isArray(child)) next.push(...child);
        else next.push(child);
      }
    }
    current = next;
  }
  return current;
}

function segments(path: string): string[] {
  // split on dots outside parentheses: extension('http://a.b/c').value
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '(') depth++;
    else if (path[i] === ')') depth--;
    else if (path[i] === '.' && depth === 0) {
      out.push(path.slice(start, i));
      start = i + 1;
    }
  }
  out.push(path.slice(start));
  return out;
}

function names(el: ElementNode): string {
  return el.slices.map((s) => s.sliceName).join(', ');
}

function error(code: Issue['code'], expression: string, diagnostics: string): Issue {
  return { severity: 'error', code, diagnostics, expression: [expression] };
}
