import type { Plan, ReferencePlans, Slot } from './reference-plan';

/**
 * Called for every value a transaction may rewrite. Return the replacement, or undefined to
 * keep the value as it is.
 */
export interface ReferenceVisitor {
  /** A Reference.reference. */
  reference(value: string): string | undefined;
  /** A uri, url, oid or uuid element, or an `href`/`src` in the narrative. */
  uri(value: string): string | undefined;
}

type Json = Record<string, unknown>;

/**
 * Visit (and, where the visitor says so, replace in place) every Reference.reference and
 * URI-typed value of a resource at any depth: datatypes, backbone elements, extensions (also
 * on primitives), contained and other nested resources, narrative links. The walk is driven
 * by the R4 definitions, so a string element that merely looks like a URL is never touched.
 * https://hl7.org/fhir/R4/http.html#trules
 */
export function visitReferences(plans: ReferencePlans, resource: Json, visitor: ReferenceVisitor): void {
  const plan = typeof resource.resourceType === 'string' ? plans.forType(resource.resourceType) : undefined;
  if (plan) walkObject(plans, resource, plan, visitor);
}

function walkObject(plans: ReferencePlans, obj: Json, plan: Plan, visitor: ReferenceVisitor): void {
  for (const key of Object.keys(obj)) {
    const slot = plan.get(key);
    if (!slot) continue;
    const value = obj[key];
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const replaced = visitValue(plans, slot, value[i], visitor);
        if (replaced !== undefined) value[i] = replaced;
      }
    } else {
      const replaced = visitValue(plans, slot, value, visitor);
      if (replaced !== undefined) obj[key] = replaced;
    }
  }
}

/** Visit one value; returns a replacement for primitive values. */
function visitValue(plans: ReferencePlans, slot: Slot, value: unknown, visitor: ReferenceVisitor): unknown {
  if (slot.kind === 'uri') return typeof value === 'string' ? visitor.uri(value) : undefined;
  if (!isObject(value)) return undefined;
  switch (slot.kind) {
    case 'reference': {
      if (typeof value.reference === 'string') {
        const replaced = visitor.reference(value.reference);
        if (replaced !== undefined) value.reference = replaced;
      }
      const rest = plans.forType('Reference');
      if (rest) walkObject(plans, value, rest, visitor);
      return undefined;
    }
    case 'narrative':
      if (typeof value.div === 'string') {
        value.div = value.div.replace(/(\s(?:href|src)\s*=\s*")([^"]*)"/g, (all, head: string, url: string) => {
          const replaced = visitor.uri(url);
          return replaced === undefined ? all : `${head}${replaced}"`;
        });
      }
      return undefined;
    case 'resource':
      visitReferences(plans, value, visitor);
      return undefined;
    case 'element':
      walkObject(plans, value, slot.plan(), visitor);
      return undefined;
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
