import type { StructureDefinition } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../definitions/registry';
import { parseElementTree, type ElementNode, type ElementTree } from '../definitions/element-tree';
import type { PrimitiveType } from './primitives';

/**
 * Element trees turned into what the walker looks up per JSON property: one Shape per
 * object kind (a resource, a datatype, a backbone element), mapping every allowed JSON key
 * (`valueQuantity`, `_birthDate`, ...) straight to its element and type, so that validating
 * a resource is map lookups and no string building.
 * https://hl7.org/fhir/R4/json.html
 */

/** How a property's value is checked. */
export type FieldKind = 'primitive' | 'complex' | 'resource';

/** One allowed JSON property of an object. */
export interface Field {
  readonly key: string;
  readonly node: ElementNode;
  /** The FHIR type this key carries (for choices, the one its name selects). */
  readonly type: string;
  /**
   * The FHIRPath step for messages, e.g. `.birthDate` for both `birthDate` and `_birthDate`
   * (extensions of a primitive are addressed as `birthDate.extension`).
   */
  readonly segment: string;
  /** `_birthDate`: the extension/id half of a primitive. https://hl7.org/fhir/R4/json.html#primitive */
  readonly isPartner: boolean;
  /** The other half's key: `_birthDate` for `birthDate` and back; undefined for System types. */
  readonly counterpart?: string;
  readonly kind: FieldKind;
  readonly primitive?: PrimitiveType;
  /** The shape of object values (complex types, backbone elements and primitive partners). */
  readonly shape?: Shape;
}

/** An element with min > 0 and the keys any one of which satisfies it. */
export interface RequiredElement {
  readonly node: ElementNode;
  readonly keys: readonly string[];
}

export interface Shape {
  /** What the shape describes: a type (`Quantity`), a backbone path or a profile URL. */
  readonly name: string;
  /** Set on resource roots, the only objects that carry `resourceType`. */
  readonly resourceType?: string;
  readonly fields: Map<string, Field>;
  readonly required: RequiredElement[];
  /** Choice elements by stem (`value`), to explain a disallowed `valueFoo`. */
  readonly choices: Map<string, ElementNode>;
}

/**
 * Compiles Shapes from StructureDefinitions, each once: base resources, datatypes and any
 * profile that has a snapshot, since the walk only needs the snapshot's tree.
 */
export class ShapeCompiler {
  private readonly byUrl = new Map<string, Shape>();

  constructor(
    private readonly registry: DefinitionRegistry,
    private readonly primitives: ReadonlyMap<string, PrimitiveType>,
  ) {}

  /** The shape of a base type (resource or complex datatype), or undefined if the type is unknown. */
  type(code: string): Shape | undefined {
    const sd = this.registry.structureDefinition(code);
    return sd ? this.structure(sd) : undefined;
  }

  /** The shape of any StructureDefinition with a snapshot; compiled on first use, then cached by URL. */
  structure(sd: StructureDefinition): Shape {
    const cached = this.byUrl.get(sd.url as string);
    if (cached) return cached;
    const tree = parseElementTree(sd);
    const resourceType = tree.kind === 'resource' ? tree.type : undefined;
    // Registered before its fields are filled, so that recursive types (Extension.extension,
    // Identifier.assigner -> Reference -> Identifier) resolve to the shape under construction.
    const shape = newShape(tree.kind === 'primitive-type' ? tree.type : (sd.url as string), resourceType);
    this.byUrl.set(sd.url as string, shape);
    this.fill(shape, tree.root, tree, new Map([[tree.root, shape]]));
    return shape;
  }

  private fill(shape: Shape, node: ElementNode, tree: ElementTree, inline: Map<ElementNode, Shape>): void {
    for (const child of node.children) {
      // A primitive's own `value` is the JSON value itself; its shape is the `_name` object.
      if (tree.kind === 'primitive-type' && node === tree.root && child.name === 'value') continue;
      if (child.min > 0) shape.required.push({ node: child, keys: [] });
      if (child.isChoice) shape.choices.set(child.name, child);
      const target = child.contentReference ? tree.byPath.get(child.contentReference) : child;
      if (!target) throw new Error(`${tree.url}: ${child.path} refers to unknown ${child.contentReference}`);
      // Backbone elements, and datatypes a profile unfolds, carry their members inline. A profile
      // may also unfold a choice or a primitive (its children then describe `_name`): those
      // constraints belong to the profile checks, so such elements are checked by their types here.
      if (target.children.length > 0 && !child.isChoice && !child.types.some((t) => this.primitives.has(t.code))) {
        const type = target.types[0]?.code ?? 'BackboneElement';
        this.addField(shape, child, child.name, type, this.inlineShape(target, tree, inline));
        continue;
      }
      for (const t of child.types) {
        const key = child.isChoice ? child.name + t.code[0].toUpperCase() + t.code.slice(1) : child.name;
        const primitive = this.primitives.get(t.code);
        if (primitive) {
          const partner = t.system ? undefined : `_${key}`;
          this.addField(shape, child, key, t.code, undefined, primitive, partner);
          if (partner) this.addField(shape, child, partner, t.code, this.partnerShape(t.code), undefined, key);
        } else if (t.code === 'Resource') {
          this.addField(shape, child, key, t.code);
        } else {
          const complex = this.type(t.code);
          if (!complex) throw new Error(`${tree.url}: ${child.path} has unknown type ${t.code}`);
          this.addField(shape, child, key, t.code, complex);
        }
      }
    }
  }

  private inlineShape(node: ElementNode, tree: ElementTree, inline: Map<ElementNode, Shape>): Shape {
    let shape = inline.get(node);
    if (!shape) {
      shape = newShape(node.path);
      inline.set(node, shape);
      this.fill(shape, node, tree, inline);
    }
    return shape;
  }

  /** `_birthDate` holds the primitive's id and extensions: the primitive type's shape minus `value`. */
  private partnerShape(code: string): Shape {
    const shape = this.type(code);
    if (!shape) throw new Error(`no StructureDefinition for primitive type ${code}`);
    return shape;
  }

  private addField(
    shape: Shape,
    node: ElementNode,
    key: string,
    type: string,
    objectShape?: Shape,
    primitive?: PrimitiveType,
    counterpart?: string,
  ): void {
    const isPartner = key.startsWith('_');
    const name = isPartner ? key.slice(1) : key;
    const kind: FieldKind = primitive ? 'primitive' : type === 'Resource' ? 'resource' : 'complex';
    shape.fields.set(key, { key, node, type, segment: `.${name}`, isPartner, counterpart, kind, primitive, shape: objectShape });
    const required = shape.required.find((r) => r.node === node);
    if (required) (required.keys as string[]).push(key);
  }
}

function newShape(name: string, resourceType?: string): Shape {
  return { name, resourceType, fields: new Map(), required: [], choices: new Map() };
}
