import type { ElementDefinition, ElementDefinitionSlicingDiscriminator, StructureDefinition } from '@medplum/fhirtypes';
import { idOf, parseId } from '../definitions/snapshot';

/**
 * A StructureDefinition's snapshot as a tree for the conformance walk: unlike element-tree.ts
 * (the base shape), it keeps slices, and precomputes per element what the walk checks:
 * cardinality the profile narrowed, fixed[x] / pattern[x], binding, maxLength, the JSON keys of
 * its children. https://hl7.org/fhir/R4/profiling.html
 */

export interface PType {
  readonly code: string;
  readonly profile: readonly string[];
  readonly targetProfile: readonly string[];
}

export interface Slicing {
  readonly discriminator: readonly ElementDefinitionSlicingDiscriminator[];
  readonly rules: 'open' | 'closed' | 'openAtEnd';
  readonly ordered: boolean;
}

export interface PElement {
  readonly id: string;
  readonly path: string;
  /** JSON name (choice stem for `value[x]`). */
  readonly name: string;
  readonly isChoice: boolean;
  readonly min: number;
  readonly max: number;
  /** The profile narrowed min/max relative to the element's base definition. */
  readonly checkCardinality: boolean;
  readonly types: readonly PType[];
  /** `fixedCode`-style key and value. */
  readonly fixed?: { readonly type: string; readonly value: unknown };
  readonly pattern?: { readonly type: string; readonly value: unknown };
  readonly binding?: { readonly strength: string; readonly valueSet: string };
  readonly maxLength?: number;
  readonly contentReference?: string;
  readonly sliceName?: string;
  slicing?: Slicing;
  readonly slices: PElement[];
  readonly children: PElement[];
  /** child JSON key (`valueQuantity`, `status`) → element and the type that key carries. */
  readonly byKey: Map<string, { el: PElement; type: string }>;
  readonly definition: ElementDefinition;
}

export interface ProfileTree {
  readonly url: string;
  readonly type: string;
  readonly kind: StructureDefinition['kind'];
  /** A constraint (profile) rather than a base type. */
  readonly isProfile: boolean;
  readonly root: PElement;
  readonly byId: ReadonlyMap<string, PElement>;
}

const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

export function parseProfileTree(sd: StructureDefinition): ProfileTree {
  const elements = sd.snapshot?.element;
  if (!sd.type || !elements?.length) throw new Error(`StructureDefinition ${sd.url} has no snapshot`);
  const byId = new Map<string, PElement>();
  let root: PElement | undefined;
  for (const def of elements) {
    const el = toElement(def);
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
    if (segments.length === 1) {
      root = el;
      continue;
    }
    const parent = byId.get(idOf(segments.slice(0, -1)));
    if (!parent) throw new Error(`${sd.url}: element ${el.id} comes before its parent`);
    parent.children.push(el);
    for (const t of el.types.length ? el.types : [{ code: 'BackboneElement', profile: [], targetProfile: [] }]) {
      const key = el.isChoice ? el.name + t.code[0].toUpperCase() + t.code.slice(1) : el.name;
      parent.byKey.set(key, { el, type: t.code });
    }
  }
  if (!root) throw new Error(`${sd.url}: snapshot has no root element`);
  return { url: sd.url as string, type: sd.type, kind: sd.kind, isProfile: sd.derivation === 'constraint', root, byId };
}

function toElement(def: ElementDefinition): PElement {
  const path = def.path as string;
  const last = path.slice(path.lastIndexOf('.') + 1);
  const isChoice = last.endsWith('[x]');
  const min = def.min ?? 0;
  const max = def.max === undefined || def.max === '*' ? Infinity : Number(def.max);
  const baseMin = def.base?.min ?? min;
  const baseMax = def.base?.max === undefined ? max : def.base.max === '*' ? Infinity : Number(def.base.max);
  const rec = def as unknown as Record<string, unknown>;
  let fixed: PElement['fixed'];
  let pattern: PElement['pattern'];
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
    // a slice's cardinality is counted per slice by the slicing check
    checkCardinality: !def.sliceName && (min !== baseMin || max !== baseMax),
    types: (def.type ?? []).map((t) => ({
      code: typeCode(t.code as string, t.extension),
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
    byKey: new Map(),
    definition: def,
  };
}

function typeCode(code: string, extension: { url?: string; valueUrl?: string }[] | undefined): string {
  if (!code.startsWith('http://hl7.org/fhirpath/System.')) return code;
  return extension?.find((x) => x.url === FHIR_TYPE_EXT)?.valueUrl ?? 'string';
}
