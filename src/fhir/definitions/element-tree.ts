import type { ElementDefinition, ElementDefinitionSlicingDiscriminator, StructureDefinition } from '@medplum/fhirtypes';
import { idOf, parseId } from './snapshot';

/**
 * A StructureDefinition's snapshot parsed into one tree of elements, the definitions model every
 * reader shares: the shape compiler and the reference planner walk its base elements by name
 * (`childByName`, `byPath`), the conformance walk also its slices (`slices`, `byId`) and what it
 * checks per element (cardinality the profile narrowed, fixed[x] / pattern[x], binding,
 * maxLength, the JSON keys of the children). The raw ElementDefinition stays attached.
 * https://hl7.org/fhir/R4/elementdefinition.html, https://hl7.org/fhir/R4/profiling.html
 */

/** One allowed type of an element. `code` is always a FHIR type (System.* is mapped). */
export interface ElementType {
  readonly code: string;
  /**
   * True for FHIRPath System types (Element.id, Extension.url, Resource.id): plain JSON values
   * that, unlike FHIR primitives, have no `_name` partner for extensions.
   */
  readonly system: boolean;
  /** Profiles the value must conform to (e.g. SimpleQuantity on Quantity). */
  readonly profile: readonly string[];
  /** For Reference/canonical: allowed targets. */
  readonly targetProfile: readonly string[];
}

export interface Slicing {
  readonly discriminator: readonly ElementDefinitionSlicingDiscriminator[];
  readonly rules: 'open' | 'closed' | 'openAtEnd';
  readonly ordered: boolean;
}

export interface ElementNode {
  /** The element id, e.g. `Patient.identifier:cpr.system`. */
  readonly id: string;
  /** The element path as the spec writes it, e.g. `Observation.value[x]`. */
  readonly path: string;
  /** The last path segment without `[x]`: the JSON property name, or its stem for choices. */
  readonly name: string;
  readonly isChoice: boolean;
  readonly min: number;
  /** Maximum cardinality; `Infinity` for `*`. */
  readonly max: number;
  /**
   * Whether the JSON property is an array. R4 JSON decides this from the base definition's
   * cardinality, so a profile that narrows `0..*` to `0..1` still sends an array.
   * https://hl7.org/fhir/R4/json.html#list
   */
  readonly isArray: boolean;
  /** The profile narrowed min/max relative to the element's base definition. */
  readonly checkCardinality: boolean;
  readonly types: readonly ElementType[];
  /** `fixedCode`-style key and value. */
  readonly fixed?: { readonly type: string; readonly value: unknown };
  readonly pattern?: { readonly type: string; readonly value: unknown };
  readonly binding?: { readonly strength: string; readonly valueSet: string };
  readonly maxLength?: number;
  /** For elements defined by reference (e.g. Questionnaire.item.item): the target path. */
  readonly contentReference?: string;
  readonly sliceName?: string;
  slicing?: Slicing;
  readonly slices: ElementNode[];
  /** Inline children (BackboneElement / Element members), in snapshot order; slices are under `slices`. */
  readonly children: ElementNode[];
  /** The same children by name. */
  readonly childByName: Map<string, ElementNode>;
  /** child JSON key (`valueQuantity`, `status`) → element and the type that key carries. */
  readonly byKey: Map<string, { el: ElementNode; type: string }>;
  readonly definition: ElementDefinition;
}

export interface ElementTree {
  readonly url: string;
  /** The type constrained or defined, e.g. `Observation`. */
  readonly type: string;
  readonly kind: StructureDefinition['kind'];
  /** A constraint (profile) rather than a base type. */
  readonly isProfile: boolean;
  readonly root: ElementNode;
  /** Every element, slices and their descendants included. */
  readonly byId: ReadonlyMap<string, ElementNode>;
  /** The elements outside slices by path: the base shape. */
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
  const byId = new Map<string, ElementNode>();
  const byPath = new Map<string, ElementNode>();
  let root: ElementNode | undefined;
  for (const def of elements) {
    const el = toNode(def, sd);
    byId.set(el.id, el);
    // slice names may contain dots, and `s/r` names a reslice of the slice `s` (its slices)
    const segments = parseId(el.id, el.path);
    const last = segments[segments.length - 1];
    if (last.slice !== undefined) {
      const slash = last.slice.lastIndexOf('/');
      const sliced = byId.get(idOf([...segments.slice(0, -1), { name: last.name, slice: slash < 0 ? undefined : last.slice.slice(0, slash) }]));
      if (!sliced) throw new Error(`${sd.url}: slice ${el.id} comes before its sliced element`);
      sliced.slices.push(el);
      // slicing defaults: extensions are sliced by url https://hl7.org/fhir/R4/extensibility.html
      sliced.slicing ??= { discriminator: [{ type: 'value', path: 'url' }], rules: 'open', ordered: false };
      continue;
    }
    if (!segments.some((s) => s.slice !== undefined)) byPath.set(el.path, el);
    if (segments.length === 1) {
      root = el;
      continue;
    }
    const parent = byId.get(idOf(segments.slice(0, -1)));
    if (!parent) throw new Error(`${sd.url}: element ${el.id} comes before its parent`);
    parent.children.push(el);
    parent.childByName.set(el.name, el);
    for (const t of el.types.length ? el.types : [{ code: 'BackboneElement' }]) {
      const key = el.isChoice ? el.name + t.code[0].toUpperCase() + t.code.slice(1) : el.name;
      parent.byKey.set(key, { el, type: t.code });
    }
  }
  if (!root) throw new Error(`${sd.url}: snapshot has no root element`);
  return { url: sd.url as string, type: sd.type, kind: sd.kind, isProfile: sd.derivation === 'constraint', root, byId, byPath };
}

const cardinality = (max: string | undefined, fallback: number): number => (max === undefined ? fallback : max === '*' ? Infinity : Number(max));

function toNode(def: ElementDefinition, sd: StructureDefinition): ElementNode {
  const path = def.path as string;
  const last = path.slice(path.lastIndexOf('.') + 1);
  const isChoice = last.endsWith('[x]');
  const min = def.min ?? 0;
  const max = cardinality(def.max, Infinity);
  const baseMin = def.base?.min ?? min;
  const baseMax = cardinality(def.base?.max, max);
  const arrayMax = def.base?.max ?? def.max ?? '1';
  const rec = def as unknown as Record<string, unknown>;
  let fixed: ElementNode['fixed'];
  let pattern: ElementNode['pattern'];
  for (const key of Object.keys(rec)) {
    if (key.startsWith('fixed')) fixed = { type: key.slice(5), value: rec[key] };
    else if (key.startsWith('pattern')) pattern = { type: key.slice(7), value: rec[key] };
  }
  return {
    id: def.id ?? path,
    path,
    name: isChoice ? last.slice(0, -3) : last,
    isChoice,
    min,
    max,
    isArray: arrayMax !== '1' && arrayMax !== '0',
    // a slice's cardinality is counted per slice by the slicing check
    checkCardinality: !def.sliceName && (min !== baseMin || max !== baseMax),
    types: (def.type ?? []).map((t) => ({
      code: typeCode(t, path, sd),
      system: (t.code as string).startsWith(SYSTEM_PREFIX),
      profile: t.profile ?? [],
      targetProfile: t.targetProfile ?? [],
    })),
    fixed,
    pattern,
    binding:
      def.binding?.valueSet && (def.binding.strength === 'required' || def.binding.strength === 'extensible')
        ? { strength: def.binding.strength, valueSet: def.binding.valueSet }
        : undefined,
    maxLength: def.maxLength,
    contentReference: def.contentReference ? def.contentReference.slice(def.contentReference.indexOf('#') + 1) : undefined,
    sliceName: def.sliceName,
    slicing: def.slicing
      ? {
          discriminator: def.slicing.discriminator ?? [],
          rules: def.slicing.rules ?? 'open',
          ordered: def.slicing.ordered ?? false,
        }
      : undefined,
    slices: [],
    children: [],
    childByName: new Map(),
    byKey: new Map(),
    definition: def,
  };
}

type TypeDefinition = NonNullable<ElementDefinition['type']>[number];

function typeCode(t: TypeDefinition, path: string, sd: StructureDefinition): string {
  const code = t.code as string;
  if (!code.startsWith(SYSTEM_PREFIX)) return code;
  // R4 types Resource.id as System.String, but the spec says it is an `id`
  // (https://hl7.org/fhir/R4/resource.html#Resource); only the resource's own id, not Element.id.
  if (sd.kind === 'resource' && path === `${sd.type}.id`) return 'id';
  const declared = t.extension?.find((x) => x.url === FHIR_TYPE_EXT)?.valueUrl;
  return declared ?? SYSTEM_TYPES[code.slice(SYSTEM_PREFIX.length)] ?? 'string';
}
