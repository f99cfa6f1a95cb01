import type { DefinitionRegistry } from './definitions/registry';

/**
 * `_summary` and `_elements`: return part of each resource, tagged SUBSETTED.
 * https://hl7.org/fhir/R4/search.html#summary and #elements. Applied to top-level elements
 * (the spec's `_elements` names top-level elements; `_summary=true` keeps the top-level
 * elements the base definition marks isSummary, and nested content of those whole).
 */
export type SummaryMode = 'true' | 'false' | 'text' | 'data' | 'count';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const ALWAYS = ['resourceType', 'id', 'meta'];

interface TypeElements {
  summary: Set<string>;
  mandatory: Set<string>;
  /** JSON key of a choice element (`valueQuantity`) → its element name (`value`). */
  choiceKeys: Map<string, string>;
}

/** Decides per type which top-level JSON keys a subset keeps; cached per type. */
export class Subsetter {
  private readonly cache = new Map<string, TypeElements>();

  constructor(private readonly registry: DefinitionRegistry) {}

  /** True when `summary`/`elements` change what is returned. */
  static applies(summary: SummaryMode | undefined, elements: string[] | undefined): boolean {
    return (summary !== undefined && summary !== 'false' && summary !== 'count') || (elements?.length ?? 0) > 0;
  }

  /** A subset copy of `resource`, or the resource itself when nothing is removed. */
  apply(resource: Record<string, unknown>, summary: SummaryMode | undefined, elements: string[] | undefined): Record<string, unknown> {
    const type = resource.resourceType as string;
    const info = this.elementsOf(type);
    let keep: (name: string) => boolean;
    if (elements && elements.length) {
      const wanted = new Set(elements.map((e) => e.replace(/^[A-Z][A-Za-z]+\./, '')));
      keep = (name) => wanted.has(name) || info.mandatory.has(name);
    } else if (summary === 'true') {
      keep = (name) => info.summary.has(name);
    } else if (summary === 'text') {
      keep = (name) => name === 'text' || info.mandatory.has(name);
    } else if (summary === 'data') {
      keep = (name) => name !== 'text';
    } else {
      return resource;
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(resource)) {
      const name = key.startsWith('_') ? key.slice(1) : key;
      if (ALWAYS.includes(key) || keep(info.choiceKeys.get(name) ?? name)) out[key] = value;
    }
    const meta = { ...((out.meta as Record<string, unknown>) ?? {}) };
    meta.tag = [...((meta.tag as unknown[]) ?? []), SUBSETTED];
    out.meta = meta;
    return out;
  }

  private elementsOf(type: string): TypeElements {
    let info = this.cache.get(type);
    if (info) return info;
    info = { summary: new Set(), mandatory: new Set(), choiceKeys: new Map() };
    for (const el of this.registry.structureDefinition(type)?.snapshot?.element ?? []) {
      const parts = el.path?.split('.') ?? [];
      if (parts.length !== 2) continue;
      const name = parts[1].replace('[x]', '');
      if (parts[1].endsWith('[x]')) {
        for (const t of el.type ?? []) info.choiceKeys.set(name + t.code.charAt(0).toUpperCase() + t.code.slice(1), name);
      }
      if (el.isSummary) info.summary.add(name);
      if ((el.min ?? 0) > 0) info.mandatory.add(name);
    }
    this.cache.set(type, info);
    return info;
  }
}
