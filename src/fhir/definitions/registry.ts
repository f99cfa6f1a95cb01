import type {
  CodeSystem,
  CompartmentDefinition,
  SearchParameter,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';

/**
 * All conformance resources the server knows: the R4 base definitions plus the project's own
 * (fhir-profiles/) and, later, ones created through the API. Built once at start-up and then
 * read-only; everything definition-driven (REST routes, validation, search, CapabilityStatement)
 * asks this registry rather than hard-coding resource types.
 */
export class DefinitionRegistry {
  readonly fhirVersion = '4.0.1';
  private readonly types: string[];
  private readonly typeSet: Set<string>;
  private readonly sdByUrl = new Map<string, StructureDefinition>();
  private readonly sdByType = new Map<string, StructureDefinition>();
  private readonly paramsByBase = new Map<string, Map<string, SearchParameter>>();
  private readonly valueSets = new Map<string, ValueSet>();
  private readonly codeSystems = new Map<string, CodeSystem>();
  private readonly supplements = new Map<string, CodeSystem[]>();
  private readonly compartments = new Map<string, CompartmentDefinition>();

  constructor(input: RegistryInput) {
    for (const sd of input.structureDefinitions) this.addStructureDefinition(sd);
    for (const sp of input.searchParameters) this.addSearchParameter(sp);
    for (const vs of input.valueSets ?? []) if (vs.url) this.valueSets.set(vs.url, vs);
    for (const cs of input.codeSystems ?? []) if (cs.url) this.codeSystems.set(cs.url, cs);
    for (const cs of input.codeSystems ?? []) if (cs.supplements) this.supplements.set(stripVersion(cs.supplements), [...(this.supplements.get(stripVersion(cs.supplements)) ?? []), cs]);
    for (const cd of input.compartmentDefinitions ?? []) if (cd.code) this.compartments.set(cd.code, cd);
    this.types = [...this.sdByType.values()]
      .filter((sd) => sd.kind === 'resource' && !sd.abstract && sd.derivation === 'specialization')
      .map((sd) => sd.type as string)
      .filter((t) => !input.excludeTypes?.includes(t))
      .sort();
    this.typeSet = new Set(this.types);
  }

  private addStructureDefinition(sd: StructureDefinition): void {
    if (sd.url) this.sdByUrl.set(sd.url, sd);
    // The base definition of a type is the specialization; constraints (profiles) are by URL only.
    if (sd.derivation === 'specialization' || (!sd.baseDefinition && sd.type)) {
      if (sd.type && sd.url === `http://hl7.org/fhir/StructureDefinition/${sd.type}`) this.sdByType.set(sd.type, sd);
    }
  }

  private addSearchParameter(sp: SearchParameter): void {
    for (const base of sp.base ?? []) {
      let byCode = this.paramsByBase.get(base);
      if (!byCode) this.paramsByBase.set(base, (byCode = new Map()));
      byCode.set(sp.code as string, sp);
    }
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
    return this.sdByType.get(typeOrUrl) ?? this.sdByUrl.get(stripVersion(typeOrUrl)) ?? this.sdByUrl.get(typeOrUrl);
  }

  /** Every StructureDefinition known, base and profiles. */
  structureDefinitions(): IterableIterator<StructureDefinition> {
    return this.sdByUrl.values();
  }

  /** Search parameters that apply to a resource type, including those defined on Resource and DomainResource. */
  searchParameters(resourceType: string): SearchParameter[] {
    const out = new Map<string, SearchParameter>();
    for (const base of ['Resource', 'DomainResource', resourceType]) {
      for (const [code, sp] of this.paramsByBase.get(base) ?? []) out.set(code, sp);
    }
    return [...out.values()];
  }

  searchParameter(resourceType: string, code: string): SearchParameter | undefined {
    return (
      this.paramsByBase.get(resourceType)?.get(code) ??
      this.paramsByBase.get('DomainResource')?.get(code) ??
      this.paramsByBase.get('Resource')?.get(code)
    );
  }

  valueSet(url: string): ValueSet | undefined {
    return this.valueSets.get(stripVersion(url)) ?? this.valueSets.get(url);
  }

  codeSystem(url: string): CodeSystem | undefined {
    return this.codeSystems.get(stripVersion(url)) ?? this.codeSystems.get(url);
  }

  /** CodeSystem supplements (`content: supplement`) of a code system. */
  supplementsOf(url: string): readonly CodeSystem[] {
    return this.supplements.get(stripVersion(url)) ?? [];
  }

  compartmentDefinition(code: string): CompartmentDefinition | undefined {
    return this.compartments.get(code);
  }
}

export interface RegistryInput {
  structureDefinitions: StructureDefinition[];
  searchParameters: SearchParameter[];
  valueSets?: ValueSet[];
  codeSystems?: CodeSystem[];
  compartmentDefinitions?: CompartmentDefinition[];
  /** Types present in the source definitions that are not R4 (e.g. vendor additions). */
  excludeTypes?: string[];
}

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}
