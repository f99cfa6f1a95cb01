import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

/**
 * A StructureDefinition's snapshot parsed once into a tree of elements: everything the walker
 * needs per element is read here, and the raw ElementDefinition stays attached so that profile
 * checks (fixed[x], pattern[x], binding, constraint, slicing) can be compiled from the same tree.
 * https://hl7.org/fhir/R4/elementdefinition.html
 */

/** One allowed type of an element. `code` is always a FHIR type (System.* is mapped). */
export interface TypeRef {
  readonly code: string;
  /**
   * True for FHIRPath System types (Element.id, Extension.url, Resource.id): plain JSON values
   * that, unlike FHIR primitives, have no `_name` partner for extensions.
   */
  readonly system: boolean;
  /** Profiles the value must conform to (e.g. SimpleQuantity on Quantity); checked by the profile checks. */
  readonly profile: readonly string[];
  /** For Reference/canonical: allowed targets; checked by the profile checks. */
  readonly targetProfile: readonly string[];
}

export interface ElementNode {
  /** The element path as the spec writes it, e.g. `Observation.value[x]`. */
  readonly path: string;
  /** The last path segment without `[x]`: the JSON property name, or its stem for choices. */
  readonly name: string;
  readonly min: number;
  /** Maximum cardinality; `Infinity` for `*`. */
  readonly max: number;
  /**
   * Whether the JSON property is an array. R4 JSON decides this from the base definition's
   * cardinality, so a profile that narrows `0..*` to `0..1` still sends an array.
   * https://hl7.org/fhir/R4/json.html#list
   */
  readonly isArray: boolean;
  readonly isChoice: boolean;
  readonly types: readonly TypeRef[];
  /** For elements defined by reference (e.g. Questionnaire.item.item): the target path. */
  readonly contentReference?: string;
  /** Inline children (BackboneElement / Element members) by name. */
  readonly children: Map<string, ElementNode>;
  readonly definition: ElementDefinition;
}

export interface ElementTree {
  readonly url: string;
  /** The type constrained or defined, e.g. `Observation`. */
  readonly type: string;
  readonly kind: StructureDefinition['kind'];
  readonly root: ElementNode;
  readonly byPath: ReadonlyMap<string, ElementNode>;
}

const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const SYSTEM_PREFIX = 'http://hl7.org/fhirpath/System.';
/** FHIRPath system types used by the R4 snapshots, mapped to the FHIR primitive they stand for. */
const SYSTEM_TYPES: Record<string, string> = {
  String: 'string',
  Boolean: 'boolean',
  Integer: 'integer',
  Decimal: 'decimal',
  Date: 'date',
  DateTime: 'dateTime',
  Time: 'time',
};

/** Parse a StructureDefinition's snapshot. Throws when it has none (differentials need the snapshot generator first). */
export function parseElementTree(sd: StructureDefinition): ElementTree {
  const elements = sd.snapshot?.element;
  if (!sd.type || !elements?.length) {
    throw new Error(`StructureDefinition ${sd.url ?? sd.id} has no snapshot to validate against`);
  }
  const byPath = new Map<string, ElementNode>();
  let root: ElementNode | undefined;
  for (const el of elements) {
    // Slices (ids with ':') restrict elements already in the tree; the profile checks handle slicing.
    if (el.id?.includes(':') || el.sliceName) continue;
    const node = toNode(el, sd);
    byPath.set(node.path, node);
    const dot = node.path.lastIndexOf('.');
    if (dot < 0) {
      root = node;
      continue;
    }
    const parent = byPath.get(node.path.slice(0, dot));
    if (!parent) throw new Error(`${sd.url}: element ${node.path} comes before its parent`);
    parent.children.set(node.name, node);
  }
  if (!root) throw new Error(`${sd.url}: snapshot has no root element`);
  return { url: sd.url as string, type: sd.type, kind: sd.kind, root, byPath };
}

function toNode(el: ElementDefinition, sd: StructureDefinition): ElementNode {
  const path = el.path as string;
  const last = path.slice(path.lastIndexOf('.') + 1);
  const isChoice = last.endsWith('[x]');
  const baseMax = el.base?.max ?? el.max ?? '1';
  return {
    path,
    name: isChoice ? last.slice(0, -3) : last,
    min: el.min ?? 0,
    max: el.max === '*' || el.max === undefined ? Infinity : Number(el.max),
    isArray: baseMax !== '1' && baseMax !== '0',
    isChoice,
    types: (el.type ?? []).map((t) => ({
      code: typeCode(t, path, sd),
      system: (t.code as string).startsWith(SYSTEM_PREFIX),
      profile: t.profile ?? [],
      targetProfile: t.targetProfile ?? [],
    })),
    contentReference: el.contentReference ? el.contentReference.slice(el.contentReference.indexOf('#') + 1) : undefined,
    children: new Map(),
    definition: el,
  };
}

type ElementType = NonNullable<ElementDefinition['type']>[number];

function typeCode(t: ElementType, path: string, sd: StructureDefinition): string {
  const code = t.code as string;
  if (!code.startsWith(SYSTEM_PREFIX)) return code;
  // R4 types Resource.id as System.String, but the spec says it is an `id`
  // (https://hl7.org/fhir/R4/resource.html#Resource); only the resource's own id, not Element.id.
  if (sd.kind === 'resource' && path === `${sd.type}.id`) return 'id';
  const declared = t.extension?.find((x) => x.url === FHIR_TYPE_EXT)?.valueUrl;
  return declared ?? SYSTEM_TYPES[code.slice(SYSTEM_PREFIX.length)] ?? 'string';
}
