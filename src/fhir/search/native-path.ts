import r4 from 'fhirpath/fhir-context/r4';
import { groupEnd, splitUnion, unwrap } from './expression';

/**
 * A direct evaluator for the plain paths most R4 SearchParameter expressions are
 * (`Observation.code`, `(Observation.value as Quantity)`, `Resource.meta.tag`,
 * `Observation.subject.where(resolve() is Patient)` after ./expression.ts's rewrite,
 * `Patient.telecom.where(system='phone')`), walking the JSON with fhirpath.js's own R4 model
 * tables so nodes get the same FHIR types fhirpath.js gives them (`path2Type`,
 * `choiceTypePaths`, `pathsDefinedElsewhere`). fhirpath.js spends most of a write's extraction
 * time building its generic node objects; these paths need none of that.
 *
 * Anything else returns undefined from {@link compileNativePath} and is left to fhirpath.js.
 * test/unit/fhir/search/native-path.test.ts checks both evaluators agree on every parameter.
 */

/** A result node shaped like fhirpath.js's ResourceNode, as far as typedValue() reads it. */
export interface PathNode {
  fhirNodeDataType: string | null;
  data: unknown;
  /** model path of the node's type (`CodeableConcept`, `Observation.component`) */
  path: string;
}

export type NativePath = (input: PathNode) => PathNode[];

type Step = (nodes: PathNode[]) => PathNode[];
type Json = Record<string, unknown>;

const model = r4 as unknown as {
  choiceTypePaths: Record<string, string[]>;
  pathsDefinedElsewhere: Record<string, string>;
  path2Type: Record<string, string>;
  path2TypeWithoutElements: Record<string, string>;
  type2Parent: Record<string, string>;
};

/** The root node fhirpath.js makes for a resource. */
export function rootNode(resource: { resourceType: string }): PathNode {
  return { fhirNodeDataType: resource.resourceType, data: resource, path: resource.resourceType };
}

/**
 * Compile `expression` (a type-narrowed SearchParameter expression, or a composite component
 * relative to its base when `roots` is empty) if every branch is a supported plain path.
 */
export function compileNativePath(expression: string, roots: readonly string[]): NativePath | undefined {
  const branches: Step[][] = [];
  for (const branch of splitUnion(expression)) {
    const steps = compileBranch(unwrap(branch), roots);
    if (!steps) return undefined;
    branches.push(steps);
  }
  const run = (steps: Step[], input: PathNode): PathNode[] => steps.reduce((nodes, step) => step(nodes), [input]);
  if (branches.length === 1) return (input) => run(branches[0], input);
  // `|` is a union: fhirpath.js drops duplicates
  return (input) => {
    const seen = new Set<string>();
    const out: PathNode[] = [];
    for (const steps of branches) {
      for (const node of run(steps, input)) {
        const key = `${node.fhirNodeDataType}\u0000${JSON.stringify(node.data)}`;
        if (!seen.has(key)) {
          seen.add(key);
          out.push(node);
        }
      }
    }
    return out;
  };
}

const NAME = /^\s*\.?\s*([A-Za-z_][A-Za-z0-9_]*)/;

function compileBranch(text: string, roots: readonly string[]): Step[] | undefined {
  let s = text.trim();
  const steps: Step[] = [];
  if (s.startsWith('(')) {
    const inner = compileBranch(unwrap(s.slice(0, groupEnd(s) + 1)), roots);
    if (!inner) return undefined;
    steps.push(...inner);
    s = s.slice(groupEnd(s) + 1).trim();
  } else if (roots.length) {
    const head = NAME.exec(s);
    if (!head || !roots.includes(head[1])) return undefined;
    s = s.slice(head[0].length).trim();
  }
  let first = steps.length === 0 && roots.length === 0;
  while (s.length) {
    let m: RegExpExecArray | null;
    if ((m = /^\s*(?:\.\s*(?:as|ofType)\s*\(\s*([A-Za-z_.]+)\s*\)|as\s+([A-Za-z_.]+))/.exec(s))) {
      steps.push(typeFilter((m[1] ?? m[2]).replace(/^(FHIR|System)\./, '')));
    } else if ((m = /^\s*\.\s*where\s*\(\s*reference\s*\.\s*matches\s*\(\s*'((?:[^'\\]|\\.)*)'\s*\)\s*\)/.exec(s))) {
      const re = new RegExp(m[1].replace(/\\'/g, "'"));
      steps.push((nodes) => nodes.filter((n) => typeof (n.data as Json)?.reference === 'string' && re.test((n.data as Json).reference as string)));
    } else if ((m = /^\s*\.\s*extension\s*\(\s*'([^'\\]*)'\s*\)/.exec(s))) {
      // `extension('url')` is `extension.where(url = 'url')` (https://hl7.org/fhir/R4/fhirpath.html#functions):
      // the form implementation guides write their extension SearchParameters in
      const url = m[1];
      const extensions = member('extension');
      steps.push((nodes) => extensions(nodes).filter((n) => (n.data as Json)?.url === url));
    } else if ((m = /^\s*\.\s*where\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*'([^'\\]*)'\s*\)/.exec(s))) {
      const [field, literal] = [m[1], m[2]];
      steps.push((nodes) => nodes.filter((n) => (n.data as Json)?.[field] === literal));
    } else if ((m = first ? NAME.exec(s) : /^\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)(?!\s*\()/.exec(s))) {
      if (/^\s*\(/.test(s.slice(m[0].length))) return undefined;
      steps.push(member(m[1]));
    } else {
      return undefined;
    }
    first = false;
    s = s.slice(m[0].length).trim();
  }
  return steps;
}

/** Where `.name` leads from a parent path: plain key, or the choice keys to try. */
interface MemberPlan {
  /** [key, type, path] per candidate JSON key (one unless a choice type) */
  keys: [string, string | null, string][];
}

/** `.name`: fhirpath.js's makeChildResNodes over plain JSON (choice types, arrays). */
function member(name: string): Step {
  const plans = new Map<string, MemberPlan>();
  const planFor = (parentPath: string): MemberPlan => {
    let plan = plans.get(parentPath);
    if (!plan) {
      let childPath = `${parentPath}.${name}`;
      childPath = model.pathsDefinedElsewhere[childPath] ?? childPath;
      const choices = model.choiceTypePaths[childPath];
      const target = (path: string, key: string): [string, string | null, string] => [key, model.path2Type[path] ?? null, model.path2TypeWithoutElements[path] ?? path];
      plan = {
        keys: choices
          ? choices.map((t) => target(childPath + t, name + t))
          : [target(name === 'extension' ? 'Extension' : childPath, name)],
      };
      plans.set(parentPath, plan);
    }
    return plan;
  };
  return (nodes) => {
    const out: PathNode[] = [];
    for (const node of nodes) {
      const data = node.data as Json | null;
      if (!data || typeof data !== 'object') continue;
      const { keys } = planFor(node.path);
      let value: unknown;
      let found: [string, string | null, string] | undefined;
      for (const candidate of keys) {
        value = data[candidate[0]];
        // a choice is decided by its first present key, value or `_` extension (as fhirpath.js)
        if (value !== undefined || (keys.length > 1 && data[`_${candidate[0]}`] !== undefined)) {
          found = candidate;
          break;
        }
      }
      if (!found || value === undefined || value === null) continue;
      const [, type, path] = found;
      if (Array.isArray(value)) {
        for (const v of value) if (v !== null && v !== undefined) out.push({ fhirNodeDataType: type, data: v, path });
      } else out.push({ fhirNodeDataType: type, data: value, path });
    }
    return out;
  };
}

/** `as X` / `ofType(X)`: nodes whose type is X or derives from it. */
function typeFilter(type: string): Step {
  const is = (t: string | null): boolean => {
    for (let c = t?.replace(/^(FHIR|System)\./, ''); c; c = model.type2Parent[c]) if (c === type) return true;
    return false;
  };
  return (nodes) => nodes.filter((n) => is(n.fhirNodeDataType));
}
