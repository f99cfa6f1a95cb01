import { groupEnd, unwrap } from './expression';

/**
 * Cheap pre-checks that let the extractor skip SearchParameters whose expression cannot yield a
 * value for a resource, without running FHIRPath: most of a type's ~40 parameters read an
 * element the resource does not have (a home Observation has 8 top-level keys).
 *
 * A parameter is skippable when every top-level `|` branch of its (type-narrowed) expression is
 * a plain path `Type.member…` whose later steps all map an empty input to an empty output
 * (member access, `where`, `as`, `ofType`, `is`, indexers, …). Then if none of the branches'
 * first members is present in the JSON, the whole expression is empty. A branch with anything
 * else at its top level (`exists()`, `and`, `=`, `iif`, a bare `Type`) can produce a value from
 * nothing (R4 `Patient.deceased.exists() and …` gives `false`), so its parameter is always
 * evaluated. Over-approximating presence only costs an evaluation, never a row.
 */

/** Functions that map an empty collection to an empty collection. */
const EMPTY_PRESERVING = new Set(['where', 'as', 'ofType', 'is', 'first', 'last', 'tail', 'skip', 'take', 'select', 'extension', 'distinct', 'children', 'descendants', 'repeat']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * The first members (after the root) that the branches of `expression` read, or undefined when
 * some branch is not a plain path and the parameter must always be evaluated.
 */
export function rootMembers(branches: readonly string[], resourceType: string): string[] | undefined {
  const members = new Set<string>();
  for (const raw of branches) {
    const found = branchMember(unwrap(raw.trim()), resourceType);
    if (found === undefined) return undefined;
    members.add(found);
  }
  return members.size ? [...members] : undefined;
}

/** The first member a plain-path branch reads; `(Type.a as X).b` counts as a path too. */
function branchMember(branch: string, resourceType: string): string | undefined {
  if (branch.startsWith('(')) {
    const close = groupEnd(branch);
    const inner = branchMember(unwrap(branch.slice(0, close + 1)), resourceType);
    return inner !== undefined && emptyPreservingSteps(skeleton(branch.slice(close + 1))) ? inner : undefined;
  }
  const skel = skeleton(branch).trim();
  const head = /^([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(skel);
  if (!head || (head[1] !== resourceType && head[1] !== 'Resource' && head[1] !== 'DomainResource')) return undefined;
  const rest = skel.slice(head[0].length);
  return rest.startsWith('()') || !emptyPreservingSteps(rest) ? undefined : head[2];
}


/**
 * The element names present at the top of `resource`, as FHIRPath sees them: `valueQuantity`
 * also counts as `value` (choice types), `_birthDate` (a primitive's extension) as `birthDate`.
 */
export function presentMembers(resource: object): Set<string> {
  const present = new Set<string>();
  for (const key of Object.keys(resource)) {
    const name = key.charCodeAt(0) === 95 /* _ */ ? key.slice(1) : key;
    present.add(name);
    for (let i = 1; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c >= 65 && c <= 90) {
        present.add(name.slice(0, i));
        break;
      }
    }
  }
  return present;
}

/** Does the rest of a path (after `Type.member`) only chain empty-preserving steps? */
function emptyPreservingSteps(rest: string): boolean {
  let s = rest.trim();
  while (s.length) {
    let m: RegExpExecArray | null;
    if (s.startsWith('.')) {
      s = s.slice(1).trimStart();
      const name = NAME.exec(s);
      if (!name) return false;
      s = s.slice(name[0].length).trimStart();
      if (s.startsWith('()')) {
        if (!EMPTY_PRESERVING.has(name[0])) return false;
        s = s.slice(2).trimStart();
      }
    } else if ((m = /^\[\d+\]\s*/.exec(s))) {
      s = s.slice(m[0].length);
    } else if ((m = /^(as|is)\s+[A-Za-z_][A-Za-z0-9_.]*\s*/.exec(s))) {
      s = s.slice(m[0].length);
    } else {
      return false;
    }
  }
  return true;
}

/** The text with string literals emptied and every parenthesised group's content removed. */
function skeleton(text: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      for (i++; i < text.length && text[i] !== "'"; i++) if (text[i] === '\\') i++;
      if (depth === 0) out += "''";
    } else if (c === '(') {
      if (depth++ === 0) out += '(';
    } else if (c === ')') {
      if (--depth === 0) out += ')';
    } else if (depth === 0) out += c;
  }
  return out;
}
