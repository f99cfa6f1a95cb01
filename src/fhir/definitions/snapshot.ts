import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

/**
 * Snapshot generation from differentials: a profile authored as a differential on an R4 type
 * or on another profile gets the full element list a validator needs.
 * https://hl7.org/fhir/R4/profiling.html#snapshot
 *
 * The algorithm walks the differential in order over a copy of the base's snapshot:
 * - an element already in the snapshot (same id) has the differential's constraints merged in;
 * - a child of a datatype the snapshot has not unfolded (`Observation.code.coding`) unfolds
 *   that datatype's elements first, from its profile when the type names one;
 * - a slice (`Patient.identifier:cpr`) is inserted after the sliced element's last slice, as a
 *   copy of the sliced element and its descendants;
 * - a choice renamed to one type (`Observation.valueQuantity`) addresses `value[x]`, narrowed
 *   to that type.
 * - a reslice (`Patient.identifier:cpr/old`) is inserted after its slice's descendants and earlier
 *   reslices, as a copy of that slice;
 * - slice names may contain dots: ids are read against their paths (parseId).
 * Anything not addressable throws.
 */

export type StructureLookup = (url: string) => StructureDefinition | undefined;

/** Merged additively rather than replaced (constraints accumulate down the derivation chain). */
const ADDITIVE: ReadonlySet<string> = new Set(['constraint', 'condition', 'mapping']);

/** Returns the snapshot elements of `sd`, derived from its base (which `lookup` must supply with a snapshot). */
export function generateSnapshot(sd: StructureDefinition, lookup: StructureLookup): ElementDefinition[] {
  const diff = sd.differential?.element ?? [];
  if (!sd.baseDefinition) throw new Error(`${sd.url}: a differential needs a baseDefinition`);
  const base = lookup(sd.baseDefinition);
  if (!base?.snapshot?.element?.length) throw new Error(`${sd.url}: base ${sd.baseDefinition} is unknown or has no snapshot`);
  const elements = base.snapshot.element.map((e) => structuredClone(e));
  const gen = new Generator(sd, elements, lookup);
  for (const d of diff) gen.apply(d);
  return elements;
}

class Generator {
  constructor(
    private readonly sd: StructureDefinition,
    private readonly elements: ElementDefinition[],
    private readonly lookup: StructureLookup,
  ) {}

  apply(d: ElementDefinition): void {
    const id = d.id ?? (d.sliceName ? `${d.path}:${d.sliceName}` : (d.path as string));
    merge(this.elements[this.resolve(parseId(id, d.path))], d, this.sd.url as string);
  }

  /** Find (creating slices and reslices, unfolding datatypes as needed) the element an id addresses. */
  private resolve(segments: readonly Segment[]): number {
    const id = idOf(segments);
    const direct = this.indexOf(id);
    if (direct >= 0) return direct;
    const last = segments[segments.length - 1];
    const parentSegments = segments.slice(0, -1);
    if (last.slice !== undefined) {
      // `a:s` slices `a`; `a:s/r` reslices the slice `a:s`
      const slash = last.slice.lastIndexOf('/');
      const sliced = this.resolve([...parentSegments, { name: last.name, slice: slash < 0 ? undefined : last.slice.slice(0, slash) }]);
      return this.addSlice(sliced, id, last.slice);
    }
    if (parentSegments.length === 0) throw new Error(`${this.sd.url}: element ${id} is not in the base`);
    const parent = this.resolve(parentSegments);
    const name = last.name;
    let child = this.indexOf(`${this.elements[parent].id}.${name}`);
    if (child < 0 && !this.hasChildren(parent)) {
      this.unfold(parent);
      child = this.indexOf(`${this.elements[parent].id}.${name}`);
    }
    if (child >= 0) return child;
    // `valueQuantity` addresses `value[x]` narrowed to Quantity
    for (let i = parent + 1; i < this.elements.length && isBelow(this.elements[i].id, this.elements[parent].id); i++) {
      const cid = this.elements[i].id as string;
      const childName = cid.slice((this.elements[parent].id as string).length + 1);
      if (!childName.endsWith('[x]') || childName.includes('.') || childName.includes(':')) continue;
      const stem = childName.slice(0, -3);
      const type = name.slice(stem.length);
      if (name.startsWith(stem) && /^[A-Z]/.test(type)) {
        const code = (this.elements[i].type ?? []).map((t) => t.code as string).find((c) => c.toLowerCase() === type.toLowerCase());
        if (code) {
          // naming one type of a choice narrows the choice to it (also for `valueQuantity.code`)
          this.elements[i].type = (this.elements[i].type ?? []).filter((t) => t.code === code);
          return i;
        }
      }
    }
    throw new Error(`${this.sd.url}: element ${id} is not in the base`);
  }

  private indexOf(id: string): number {
    return this.elements.findIndex((e) => e.id === id);
  }

  private hasChildren(index: number): boolean {
    const next = this.elements[index + 1];
    return next !== undefined && isBelow(next.id, this.elements[index].id) && !(next.id as string).slice((this.elements[index].id as string).length).startsWith(':');
  }

  /** Insert a datatype's elements (from the type's profile when it names one) under an element. */
  private unfold(index: number): void {
    const el = this.elements[index];
    const types = el.type ?? [];
    if (types.length !== 1 && !el.contentReference) {
      throw new Error(`${this.sd.url}: cannot unfold ${el.id}: it has ${types.length} types (narrow it to one first)`);
    }
    let source: ElementDefinition[];
    let prefixPath: string;
    if (el.contentReference) {
      // Questionnaire.item.item -> #Questionnaire.item: copy the referenced element's children
      prefixPath = el.contentReference.slice(el.contentReference.indexOf('#') + 1);
      source = this.elements.filter((e) => isBelow(e.path, prefixPath) && !(e.id as string).includes(':'));
    } else {
      const t = types[0];
      const typeSd = (t.profile?.[0] && this.lookup(t.profile[0])) || this.lookup(t.code as string);
      if (!typeSd?.snapshot?.element) throw new Error(`${this.sd.url}: cannot unfold ${el.id}: no definition of ${t.code}`);
      prefixPath = typeSd.snapshot.element[0].path as string;
      source = typeSd.snapshot.element.slice(1);
    }
    const copies = source.map((s) => {
      const copy = structuredClone(s);
      copy.path = (el.path as string) + (s.path as string).slice(prefixPath.length);
      copy.id = (el.id as string) + (s.id ?? (s.path as string)).slice(prefixPath.length);
      return copy;
    });
    if (el.contentReference) delete el.contentReference;
    this.elements.splice(index + 1, 0, ...copies);
  }

  /** A new slice: a copy of the sliced element and its descendants, after the existing slices. */
  private addSlice(slicedIndex: number, id: string, sliceName: string): number {
    const sliced = this.elements[slicedIndex];
    const slicedId = sliced.id as string;
    let end = slicedIndex + 1;
    while (end < this.elements.length && isBelow(this.elements[end].id, slicedId, true)) end++;
    const family = this.elements.slice(slicedIndex, end).filter((e) => e === sliced || isBelow(e.id, slicedId));
    const copies = family.map((e) => {
      const copy = structuredClone(e);
      copy.id = id + (e.id as string).slice(slicedId.length);
      if (e === sliced) {
        delete copy.slicing;
        copy.sliceName = sliceName;
      }
      return copy;
    });
    this.elements.splice(end, 0, ...copies);
    return end;
  }
}

/** Whether `id` lies under `parent`: a child (`parent.x`), or with slices allowed also `parent:s…` (and a slice's reslices `parent/r…`). */
function isBelow(id: string | undefined, parent: string | undefined, orSlice = false): boolean {
  if (!id || !parent || !id.startsWith(parent) || id.length === parent.length) return false;
  const c = id[parent.length];
  return c === '.' || (orSlice && (c === ':' || (c === '/' && parent.includes(':'))));
}

/** One step of an element id: an element name and, for a slice, its name (`s`, or `s/r` for a reslice). */
export interface Segment {
  name: string;
  slice?: string;
}

export function idOf(segments: readonly Segment[]): string {
  return segments.map((s) => (s.slice === undefined ? s.name : `${s.name}:${s.slice}`)).join('.');
}

/**
 * Split an element id into its steps. A slice name may contain dots
 * (`Observation.identifier:device.measurement.system`), so the id is read against the element's
 * path (which has no slice names): each step starts with the path's next element name. An id
 * that does not follow its path (a renamed choice, `valueQuantity` for `value[x]`) splits on
 * dots, with any slice name after a colon.
 */
export function parseId(id: string, path?: string): Segment[] {
  const names = path ? path.split('.') : [];
  const from = (pos: number, i: number): Segment[] | undefined => {
    const name = names[i];
    if (name === undefined || !id.startsWith(name, pos)) return undefined;
    const end = pos + name.length;
    if (i === names.length - 1) {
      if (end === id.length) return [{ name }];
      return id[end] === ':' ? [{ name, slice: id.slice(end + 1) }] : undefined;
    }
    if (id[end] === '.') {
      const rest = from(end + 1, i + 1);
      if (rest) return [{ name }, ...rest];
    }
    if (id[end] === ':') {
      for (let dot = id.indexOf('.', end + 1); dot >= 0; dot = id.indexOf('.', dot + 1)) {
        const rest = from(dot + 1, i + 1);
        if (rest) return [{ name, slice: id.slice(end + 1, dot) }, ...rest];
      }
    }
    return undefined;
  };
  return (
    from(0, 0) ??
    id.split('.').map((step) => {
      const colon = step.indexOf(':');
      return colon < 0 ? { name: step } : { name: step.slice(0, colon), slice: step.slice(colon + 1) };
    })
  );
}

function merge(target: ElementDefinition, d: ElementDefinition, source: string): void {
  const t = target as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(d)) {
    if (key === 'id' || key === 'path') continue;
    if (ADDITIVE.has(key) && Array.isArray(t[key])) {
      const added = key === 'constraint' ? (value as object[]).map((c) => ({ source, ...c })) : (value as object[]);
      const existing = (t[key] as { key?: string; identity?: string }[]).filter(
        (e) => !(added as { key?: string; identity?: string }[]).some((a) => (a.key ?? a.identity) !== undefined && (a.key ?? a.identity) === (e.key ?? e.identity)),
      );
      t[key] = [...existing, ...added];
    } else if (key.startsWith('fixed') || key.startsWith('pattern')) {
      // one fixed[x] / pattern[x] per element: a profile's replaces its base's
      for (const k of Object.keys(t)) if (k.startsWith('fixed') || k.startsWith('pattern')) delete t[k];
      t[key] = structuredClone(value);
    } else {
      t[key] = structuredClone(value);
    }
  }
}

/**
 * Give every StructureDefinition without a snapshot one, bases first (a profile may derive from
 * another profile in the same folder). Mutates the definitions; returns them for chaining.
 */
export function completeSnapshots(sds: StructureDefinition[], lookup: StructureLookup): StructureDefinition[] {
  const done = new Set<StructureDefinition>();
  const visiting = new Set<StructureDefinition>();
  const complete = (sd: StructureDefinition): void => {
    if (done.has(sd) || sd.snapshot?.element?.length) return;
    if (visiting.has(sd)) throw new Error(`${sd.url}: circular baseDefinition`);
    visiting.add(sd);
    const base = sd.baseDefinition ? lookup(sd.baseDefinition) : undefined;
    if (base) complete(base);
    sd.snapshot = { element: generateSnapshot(sd, lookup) };
    visiting.delete(sd);
    done.add(sd);
  };
  for (const sd of sds) complete(sd);
  return sds;
}
