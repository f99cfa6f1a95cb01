/**
 * Sound shortcuts for the core invariants every resource meets most often. Each recognises its
 * invariant by key AND exact R4 expression, and answers only "certainly satisfied" (true) from
 * the JSON keys at hand; anything else (undefined) goes to fhirpath.js, so a violation is
 * always found by the real expression. The exceptions are dom-3 and que-7, implemented here in full:
 * fhirpath.js 5 throws on its `descendants().as(canonical)` ("Expected singleton on left side
 * of 'as'"), so it could never be evaluated. The shortcuts exist for speed: dom-3 and ref-1 read
 * %resource / %rootResource and so escape the identifier guard in invariants.ts, and
 * evaluating them with fhirpath.js on every resource and Reference costs more than the
 * whole rest of validation.
 */

type Node = Record<string, unknown>;
export type Shortcut = (node: Node, keys: readonly string[]) => boolean | undefined;

const has = (keys: readonly string[], name: string) => keys.includes(name) || keys.includes(`_${name}`);
const hasChoice = (keys: readonly string[], stem: string) =>
  keys.some((k) => {
    const n = k.startsWith('_') ? k.slice(1) : k;
    return n.startsWith(stem) && /^[A-Z]/.test(n.charAt(stem.length));
  });

/**
 * dom-3: every contained resource is referenced from elsewhere in the resource (`#id` as a
 * reference, canonical or uri), or something refers to the container itself (`#`).
 */
function DOM_3(node: Node, keys: readonly string[]): boolean {
  if (!keys.includes('contained') || !Array.isArray(node.contained)) return true;
  const refs = new Set<string>();
  collectLocalRefs(node, refs);
  if (refs.has('#')) return true;
  return node.contained.every((c) => {
    const id = c && typeof c === 'object' ? (c as Node).id : undefined;
    return typeof id === 'string' && refs.has(`#${id}`);
  });
}

function collectLocalRefs(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (value.startsWith('#')) into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectLocalRefs(v, into);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) collectLocalRefs(v, into);
  }
}

const SHORTCUTS: Record<string, Record<string, Shortcut>> = {
  'dom-3': {
    "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()":
      DOM_3,
    "contained.where(((id.exists() and ('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url)))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(uri) = '#').exists()).not()).trace('unmatched', id).empty()":
      DOM_3,
  },
  'ref-1': {
    "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))": (node) =>
      typeof node.reference === 'string' && node.reference.startsWith('#') ? undefined : true,
  },
  // fhirpath.js 5 answers `answer is Boolean` false for answerBoolean (a FHIR boolean is not
  // its System.Boolean there), so que-7 is implemented here in full.
  'que-7': {
    "operator = 'exists' implies (answer is Boolean)": (node, keys) =>
      node.operator !== 'exists' || (hasChoice(keys, 'answer') && (keys.includes('answerBoolean') || keys.includes('_answerBoolean'))),
  },
  'ext-1': {
    'extension.exists() != value.exists()': (node, keys) => (has(keys, 'extension') !== hasChoice(keys, 'value') ? true : undefined),
  },
  'obs-6': {
    'dataAbsentReason.empty() or value.empty()': (_node, keys) => (has(keys, 'dataAbsentReason') && hasChoice(keys, 'value') ? undefined : true),
  },
  'obs-7': {
    'value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()': (_node, keys) =>
      hasChoice(keys, 'value') && has(keys, 'component') ? undefined : true,
  },
  'qty-3': {
    'code.empty() or system.exists()': (_node, keys) => (!has(keys, 'code') || has(keys, 'system') ? true : undefined),
  },
  'per-1': {
    'start.hasValue().not() or end.hasValue().not() or (start <= end)': (_node, keys) => (has(keys, 'start') && has(keys, 'end') ? undefined : true),
  },
};

export function shortcutFor(key: string, expression: string): Shortcut | undefined {
  return SHORTCUTS[key]?.[expression];
}
