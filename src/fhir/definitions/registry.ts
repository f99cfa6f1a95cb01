import type {
  CodeSystem,
  CompartmentDefinition,
  SearchParameter,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';

/**
 * All conformance resources the server knows: the R4 base definitions plus the project's own
 * (fhir-profiles/), loaded once at start-up, and a stored layer: the ones created through the
 * API (see setStored, src/conformance/live-definitions.ts). Everything definition-driven (REST
 * routes, validation, search, CapabilityStatement) asks this registry rather than hard-coding
 * resource types.
 */
export class DefinitionRegistry {
  readonly fhirVersion = '4.0.1';
  private readonly types: string[];
  private readonly typeSet: Set<string>;
  private readonly sdByType = new Map<string, StructureDefinition>();
  private readonly compartments = new Map<string, CompartmentDefinition>();
  /** What the registry was built from (files); shared by its forks and never changed. */
  private base: Layer;
  /** The base plus the stored layer (definitions created through the API); what look-ups read. */
  private live: Layer;
  private storedGeneration = 0;

  constructor(input: RegistryInput) {
    this.base = emptyLayer();
    for (const sd of input.structureDefinitions) {
      addStructureDefinition(this.base, sd);
      // The base definition of a type is the specialization; constraints (profiles) are by URL only.
      if (sd.derivation === 'specialization' || (!sd.baseDefinition && sd.type)) {
        if (sd.type && sd.url === `http://hl7.org/fhir/StructureDefinition/${sd.type}`) this.sdByType.set(sd.type, sd);
      }
    }
    addRest(this.base, input);
    for (const cd of input.compartmentDefinitions ?? []) if (cd.code) this.compartments.set(cd.code, cd);
    this.live = this.base;
    this.types = [...this.sdByType.values()]
      .filter((sd) => sd.kind === 'resource' && !sd.abstract && sd.derivation === 'specialization')
      .map((sd) => sd.type as string)
      .sort();
    this.typeSet = new Set(this.types);
    this.implementationGuides = [...(input.implementationGuides ?? [])];
  }

  /** Canonical URLs of the implementation guides whose packages were loaded (KOLIBRI_IG_PACKAGES). */
  readonly implementationGuides: readonly string[];

  /**
   * A registry over the same base definitions with a stored layer of its own (empty at first):
   * each server instance forks the one loaded from files, so what one instance has learnt from
   * the database is never seen by another through shared memory. Costs no copy until setStored.
   */
  fork(): DefinitionRegistry {
    const copy = Object.create(DefinitionRegistry.prototype) as DefinitionRegistry;
    Object.assign(copy, this);
    copy.live = copy.base;
    copy.storedGeneration = 0;
    return copy;
  }

  /**
   * Replace the stored layer: StructureDefinitions (with snapshots), SearchParameters, ValueSets
   * and CodeSystems created through the API. A canonical URL the base already defines keeps the
   * base's definition (the R4 and Kolibri definitions are not the operator's to redefine).
   * Types never change: a stored StructureDefinition is a profile, never a new resource type.
   */
  setStored(input: Omit<RegistryInput, 'compartmentDefinitions' | 'implementationGuides'>): void {
    const base = this.base;
    const live: Layer = {
      sdByUrl: new Map(base.sdByUrl),
      paramsByBase: new Map([...base.paramsByBase].map(([k, v]) => [k, new Map(v)])),
      valueSets: new Map(base.valueSets),
      codeSystems: new Map(base.codeSystems),
      supplements: new Map(base.supplements),
      versions: new Map(base.versions),
    };
    const fresh = <T extends { url?: string }>(list: readonly T[] | undefined, map: Map<string, unknown>) => (list ?? []).filter((r) => r.url && !map.has(r.url));
    for (const sd of fresh(input.structureDefinitions, base.sdByUrl)) addStructureDefinition(live, sd);
    // a stored SearchParameter with a base one's code on the same type replaces it nowhere: base wins
    const searchParameters = input.searchParameters.filter((sp) => !(sp.url && this.isBaseSearchParameterUrl(sp.url)) && !(sp.base ?? []).some((b) => base.paramsByBase.get(b)?.has(sp.code as string)));
    addRest(live, { searchParameters, valueSets: fresh(input.valueSets, base.valueSets), codeSystems: fresh(input.codeSystems, base.codeSystems) });
    this.live = live;
    this.storedGeneration++;
  }

  /** Counts setStored calls: caches derived from the registry compare it to know they are stale. */
  get generation(): number {
    return this.storedGeneration;
  }

  /** Whether a canonical URL is one of the base (file) definitions of any kind. */
  isBaseDefinition(url: string): boolean {
    const u = stripVersion(url);
    return this.base.sdByUrl.has(u) || this.base.valueSets.has(u) || this.base.codeSystems.has(u) || this.isBaseSearchParameterUrl(u);
  }

  private isBaseSearchParameterUrl(url: string): boolean {
    for (const byCode of this.base.paramsByBase.values()) for (const sp of byCode.values()) if (sp.url === url) return true;
    return false;
  }

  /** Concrete (instantiable) resource types, sorted. */
  resourceTypes(): readonly string[] {
    return this.types;
  }

  isResourceType(type: string): boolean {
    return this.typeSet.has(type);
  }

  /** The base StructureDefinition of a type (resource, complex or primitive), or a profile by canonical URL. */
  structureDefinition(typeOrUrl: string): StructureDefinition | undefined {
    return this.sdByType.get(typeOrUrl) ?? byCanonical(this.live.sdByUrl, this.live.versions, typeOrUrl);
  }

  /** Every StructureDefinition known, base and profiles. */
  structureDefinitions(): IterableIterator<StructureDefinition> {
    return this.live.sdByUrl.values();
  }

  /** Search parameters that apply to a resource type, including those defined on Resource and DomainResource. */
  searchParameters(resourceType: string): SearchParameter[] {
    const out = new Map<string, SearchParameter>();
    for (const base of ['Resource', 'DomainResource', resourceType]) {
      for (const [code, sp] of this.live.paramsByBase.get(base) ?? []) out.set(code, sp);
    }
    return [...out.values()];
  }

  searchParameter(resourceType: string, code: string): SearchParameter | undefined {
    return (
      this.live.paramsByBase.get(resourceType)?.get(code) ??
      this.live.paramsByBase.get('DomainResource')?.get(code) ??
      this.live.paramsByBase.get('Resource')?.get(code)
    );
  }

  valueSet(url: string): ValueSet | undefined {
    return byCanonical(this.live.valueSets, this.live.versions, url);
  }

  codeSystem(url: string): CodeSystem | undefined {
    return byCanonical(this.live.codeSystems, this.live.versions, url);
  }

  /** CodeSystem supplements (`content: supplement`) of a code system. */
  supplementsOf(url: string): readonly CodeSystem[] {
    return this.live.supplements.get(stripVersion(url)) ?? [];
  }

  compartmentDefinition(code: string): CompartmentDefinition | undefined {
    return this.compartments.get(code);
  }

  /** The parameters of `resourceType` that make a resource a member of compartment `code` (none: never a member). */
  compartmentParams(code: string, resourceType: string): readonly string[] {
    return this.compartments.get(code)?.resource?.find((r) => r.code === resourceType)?.param ?? [];
  }
}

export interface RegistryInput {
  structureDefinitions: StructureDefinition[];
  searchParameters: SearchParameter[];
  valueSets?: ValueSet[];
  codeSystems?: CodeSystem[];
  compartmentDefinitions?: CompartmentDefinition[];
  /** Canonical URLs of the implementation guides loaded from packages (CapabilityStatement.implementationGuide). */
  implementationGuides?: string[];
}

/** The look-ups a stored layer can extend. */
interface Layer {
  sdByUrl: Map<string, StructureDefinition>;
  paramsByBase: Map<string, Map<string, SearchParameter>>;
  valueSets: Map<string, ValueSet>;
  codeSystems: Map<string, CodeSystem>;
  supplements: Map<string, CodeSystem[]>;
  /** Every versioned definition by `Type url|version`: a canonical with a version resolves to that version. */
  versions: Map<string, Canonical>;
}

type Canonical = StructureDefinition | ValueSet | CodeSystem;

function emptyLayer(): Layer {
  return { sdByUrl: new Map(), paramsByBase: new Map(), valueSets: new Map(), codeSystems: new Map(), supplements: new Map(), versions: new Map() };
}

function addStructureDefinition(layer: Layer, sd: StructureDefinition): void {
  if (sd.url) layer.sdByUrl.set(sd.url, sd);
  addVersion(layer, sd);
}

function addVersion(layer: Layer, r: Canonical): void {
  if (r.url && r.version) layer.versions.set(`${r.resourceType} ${r.url}|${r.version}`, r);
}

/**
 * A canonical reference (https://hl7.org/fhir/R4/references.html#canonical): `url` is the
 * definition loaded last under that URL; `url|version` that version, or a definition of that URL
 * that declares no version, and nothing when only other versions are known.
 */
function byCanonical<T extends Canonical>(byUrl: Map<string, T>, versions: Map<string, Canonical>, ref: string): T | undefined {
  const bar = ref.indexOf('|');
  if (bar < 0) return byUrl.get(ref);
  const url = ref.slice(0, bar);
  const latest = byUrl.get(url);
  if (!latest) return undefined;
  const version = ref.slice(bar + 1);
  if (!version || latest.version === version) return latest;
  const exact = versions.get(`${latest.resourceType} ${ref}`) as T | undefined;
  return exact ?? (latest.version ? undefined : latest);
}

function addRest(layer: Layer, input: Pick<RegistryInput, 'searchParameters' | 'valueSets' | 'codeSystems'>): void {
  for (const sp of input.searchParameters) {
    for (const base of sp.base ?? []) {
      let byCode = layer.paramsByBase.get(base);
      if (!byCode) layer.paramsByBase.set(base, (byCode = new Map()));
      byCode.set(sp.code as string, sp);
    }
  }
  for (const vs of input.valueSets ?? []) {
    if (!vs.url) continue;
    layer.valueSets.set(vs.url, vs);
    addVersion(layer, vs);
  }
  for (const cs of input.codeSystems ?? []) {
    if (!cs.url) continue;
    layer.codeSystems.set(cs.url, cs);
    addVersion(layer, cs);
  }
  for (const cs of input.codeSystems ?? []) {
    if (cs.supplements) layer.supplements.set(stripVersion(cs.supplements), [...(layer.supplements.get(stripVersion(cs.supplements)) ?? []), cs]);
  }
}

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}
