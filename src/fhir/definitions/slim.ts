import type { CodeSystem, CodeSystemConcept, ElementDefinition, StructureDefinition, ValueSet } from '@medplum/fhirtypes';

/**
 * Prose the server never reads, left out of the loaded definitions once their snapshots are
 * complete: narratives, mappings, and per element the definition/comment/requirements texts,
 * aliases and examples. In the R4 base (~650 StructureDefinitions) this prose is about half of
 * the registry's heap; what is kept: paths, cardinalities, types, bindings, constraints,
 * slicing, fixed/pattern values, short. The registry never serves definitions to clients (what
 * clients read lives in the database). Objects are rebuilt rather than `delete`d from, so they
 * keep V8's fast property layout for the validator.
 */
const SD_DROP = new Set(['text', 'mapping', 'differential']);
const ELEMENT_DROP = new Set(['definition', 'comment', 'requirements', 'mapping', 'alias', 'example', 'meaningWhenMissing', 'isModifierReason', 'orderMeaning']);
const TERMINOLOGY_DROP = new Set(['text', 'purpose', 'copyright']);
const CONCEPT_DROP = new Set(['definition']);

function without<T extends object>(value: T, drop: ReadonlySet<string>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!drop.has(k)) out[k] = v;
  return out as T;
}

export function slimStructureDefinition(sd: StructureDefinition): StructureDefinition {
  if (!sd.snapshot?.element?.length) return sd; // keep the differential of what has no snapshot
  const element = sd.snapshot.element.map((el) => without(el, ELEMENT_DROP) as ElementDefinition);
  return { ...without(sd, SD_DROP), snapshot: { ...sd.snapshot, element } };
}

export function slimValueSet(vs: ValueSet): ValueSet {
  return without(vs, TERMINOLOGY_DROP);
}

export function slimCodeSystem(cs: CodeSystem): CodeSystem {
  const concepts = (list: CodeSystemConcept[]): CodeSystemConcept[] =>
    list.map((c) => {
      const slim = without(c, CONCEPT_DROP);
      return c.concept ? { ...slim, concept: concepts(c.concept) } : slim;
    });
  const slim = without(cs, TERMINOLOGY_DROP);
  return cs.concept ? { ...slim, concept: concepts(cs.concept) } : slim;
}
