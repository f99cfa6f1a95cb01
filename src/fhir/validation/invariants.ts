import type { ElementDefinition } from '@medplum/fhirtypes';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { shortcutFor } from './invariant-shortcuts';

/**
 * FHIRPath invariants (ElementDefinition.constraint), compiled once each with fhirpath.js and
 * evaluated on the element they constrain. https://hl7.org/fhir/R4/conformance-rules.html#constraints
 *
 * Severity maps one to one: `error` → error, `warning` → warning. Only a result of exactly
 * `false` fails; empty or non-boolean results pass, so an expression fhirpath.js evaluates
 * oddly can never reject a valid resource.
 *
 * Most invariants only mention a few child elements (`dataAbsentReason.empty() or
 * value.empty()`). When the node has none of the identifiers an expression mentions, and the
 * expression uses nothing that looks beyond those (children(), descendants(), %resource,
 * $this at top level, now()...), its result is the result on an empty node, computed once.
 * That keeps per-resource cost to the few invariants that can actually fail.
 */

export interface Invariant {
  readonly key: string;
  readonly severity: 'error' | 'warning';
  readonly human: string;
  readonly expression: string;
  /** Evaluates on a node; true = satisfied, false = violated, Error = could not evaluate. */
  check(node: unknown, keys: readonly string[], env: InvariantEnv): boolean | Error;
}

export interface InvariantEnv {
  /** %resource: the resource that contains the node. */
  resource: unknown;
  /** %rootResource: the outermost resource (differs inside contained resources). */
  rootResource: unknown;
}

/**
 * Invariants not evaluated, with the reason. Each is either covered natively or cannot be
 * evaluated correctly by fhirpath.js 5; every entry was seen to misfire or throw on valid input.
 */
export const SKIPPED_INVARIANTS: ReadonlyMap<string, string> = new Map([
  // The base walker already rejects empty objects, nulls and empty strings, which is what
  // ele-1 says; evaluating it on every element would double the cost of validation.
  ['ele-1', 'covered by the structural walk (no empty elements)'],
  // htmlChecks() is not implemented by fhirpath.js; the base walk checks every xhtml value
  // (xhtml.ts) with the same rules.
  ['txt-1', 'checked natively on xhtml values (htmlChecks() is not implemented by fhirpath.js)'],
  ['txt-2', 'checked natively on xhtml values (htmlChecks() is not implemented by fhirpath.js)'],
]);

const BEST_PRACTICE = 'http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice';
/** Anything that looks beyond the node's own children makes the empty-node shortcut unsound. */
const UNGUARDABLE = /children\(|descendants\(|repeat\(|%(resource|rootResource|context)|now\(|today\(|timeOfDay\(|hasValue\(|resolve\(|memberOf\(|conformsTo\(|trace\(|\bextension\(/;
const model = r4Model;

type Compiled = (node: unknown, env?: Record<string, unknown>) => unknown[];

export class InvariantCompiler {
  private readonly compiled = new Map<string, Invariant | null>();

  /**
   * The invariants of an element, evaluated against nodes of FHIRPath type `base` (a type
   * code like `Quantity` or a path like `Observation.component`). Skipped and best-practice
   * invariants are left out.
   */
  forElement(el: ElementDefinition, base: string): Invariant[] {
    const out: Invariant[] = [];
    for (const c of el.constraint ?? []) {
      if (!c.key || !c.expression || SKIPPED_INVARIANTS.has(c.key)) continue;
      if (c.extension?.some((x) => x.url === BEST_PRACTICE && x.valueBoolean)) continue;
      const id = `${base}\u0000${c.key}\u0000${c.expression}`;
      let inv = this.compiled.get(id);
      if (inv === undefined) {
        inv = compileInvariant(c.key, c.severity === 'warning' ? 'warning' : 'error', c.human ?? c.key, c.expression, base);
        this.compiled.set(id, inv);
      }
      if (inv) out.push(inv);
    }
    return out;
  }
}

function compileInvariant(key: string, severity: 'error' | 'warning', human: string, expression: string, base: string): Invariant | null {
  let fn: Compiled;
  try {
    // trace() in core invariants (dom-3) would print to stdout
    fn = fhirpath.compile({ base, expression }, model, { traceFn: () => undefined }) as Compiled;
  } catch {
    // Not parseable by fhirpath.js: never evaluated, rather than failing valid resources.
    return null;
  }
  const guard = guardOf(expression);
  const shortcut = shortcutFor(key, expression);
  let emptyResult: boolean | Error | undefined;
  const run = (node: unknown, env: InvariantEnv): boolean | Error => {
    try {
      const result = fn(node, { resource: env.resource, rootResource: env.rootResource });
      return !(result.length === 1 && result[0] === false);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };
  return {
    key,
    severity,
    human,
    expression,
    check(node, keys, env) {
      const known = shortcut?.(node as Record<string, unknown>, keys);
      if (known !== undefined) return known;
      if (guard && !keys.some(guard)) {
        emptyResult ??= run({}, { resource: {}, rootResource: {} });
        return emptyResult;
      }
      return run(node, env);
    },
  };
}

/** A test "does this JSON key touch the expression?", or undefined when the expression is not guardable. */
function guardOf(expression: string): ((key: string) => boolean) | undefined {
  if (UNGUARDABLE.test(expression)) return undefined;
  const bare = expression.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  if (topLevelThis(bare)) return undefined;
  const idents = new Set(bare.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
  const cache = new Map<string, boolean>();
  return (key) => {
    let hit = cache.get(key);
    if (hit === undefined) {
      const name = key.startsWith('_') ? key.slice(1) : key;
      hit = idents.has(name) || [...idents].some((id) => name.startsWith(id) && /[A-Z]/.test(name.charAt(id.length)));
      if (cache.size < 512) cache.set(key, hit);
    }
    return hit;
  };
}

/** `$this` outside any function argument refers to the node itself. */
function topLevelThis(expression: string): boolean {
  let depth = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && expression.startsWith('$this', i)) return true;
  }
  return false;
}
