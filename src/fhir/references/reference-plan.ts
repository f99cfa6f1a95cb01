import type { DefinitionRegistry } from '../definitions/registry';
import { parseElementTree, type ElementNode, type ElementTree } from '../definitions/element-tree';

/**
 * What each JSON property of an element holds, for finding the values a transaction must
 * rewrite: Reference.reference, elements of type uri/url/oid/uuid, narrative links, and the
 * elements that may contain those (datatypes, backbone elements, nested resources).
 * https://hl7.org/fhir/R4/http.html#trules
 */
export type Slot =
  | { kind: 'reference' }
  | { kind: 'uri' }
  | { kind: 'narrative' }
  | { kind: 'resource' }
  | { kind: 'element'; plan: () => Plan };

/** JSON property name → what it holds, for one type or backbone element. */
export type Plan = ReadonlyMap<string, Slot>;

/** URI-like primitives whose values are replaced when they equal a rewritten fullUrl (canonical is not). */
const URI_TYPES = new Set(['uri', 'url', 'oid', 'uuid']);
/** Primitives that cannot hold a reference, except through their `_name` extensions. */
const PRIMITIVE = /^[a-z]/;

/** Plans for every type, compiled on first use and kept. */
export class ReferencePlans {
  private readonly trees = new Map<string, ElementTree | null>();
  private readonly plans = new Map<string, Plan>();

  constructor(private readonly registry: DefinitionRegistry) {}

  /** The plan of a resource or datatype; undefined for unknown types. */
  forType(type: string): Plan | undefined {
    const tree = this.tree(type);
    return tree ? this.forNode(tree, tree.root) : undefined;
  }

  private tree(type: string): ElementTree | undefined {
    if (!this.trees.has(type)) {
      const sd = this.registry.structureDefinition(type);
      this.trees.set(type, sd?.snapshot ? parseElementTree(sd) : null);
    }
    return this.trees.get(type) ?? undefined;
  }

  private forNode(tree: ElementTree, node: ElementNode): Plan {
    const key = `${tree.url}#${node.path}`;
    let plan = this.plans.get(key);
    if (plan) return plan;
    const slots = new Map<string, Slot>();
    this.plans.set(key, slots); // before recursing: element trees are recursive (Extension.extension)
    for (const child of node.children) {
      const target = child.contentReference ? tree.byPath.get(child.contentReference) : undefined;
      for (const t of child.types.length ? child.types : [{ code: 'BackboneElement' }]) {
        const name = child.isChoice ? `${child.name}${t.code[0].toUpperCase()}${t.code.slice(1)}` : child.name;
        const slot = this.slotFor(tree, target ?? child, t.code);
        if (slot) slots.set(name, slot);
        // A primitive's `_name` partner carries its id and extensions (which may hold references).
        if (PRIMITIVE.test(t.code)) slots.set(`_${name}`, { kind: 'element', plan: () => this.forType('Element') ?? new Map() });
      }
    }
    return slots;
  }

  private slotFor(tree: ElementTree, node: ElementNode, code: string): Slot | undefined {
    if (code === 'Reference') return { kind: 'reference' };
    if (URI_TYPES.has(code)) return { kind: 'uri' };
    if (code === 'Narrative') return { kind: 'narrative' };
    if (code === 'Resource') return { kind: 'resource' };
    if (PRIMITIVE.test(code)) return undefined;
    if ((code === 'BackboneElement' || code === 'Element') && node.children.length) {
      return { kind: 'element', plan: () => this.forNode(tree, node) };
    }
    return { kind: 'element', plan: () => this.forType(code) ?? new Map() };
  }
}
