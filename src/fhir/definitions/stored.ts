import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { collect, type Input } from './load';
import type { DefinitionRegistry } from './registry';
import { completeSnapshots } from './snapshot';

export interface StoredLayer {
  input: Omit<Input, 'compartmentDefinitions' | 'implementationGuides'>;
  /** Definitions left out, with why (a differential the snapshot generator cannot follow). */
  problems: { key: string; message: string }[];
}

/**
 * Definitions created through the API, made ready for the registry's stored layer
 * (DefinitionRegistry.setStored): a StructureDefinition authored as a differential gets its
 * snapshot here, from its base in the registry or among the stored ones (a profile on a profile),
 * as the file profiles get theirs at load. One that cannot be completed is left out and reported,
 * never allowed to break the others. Works on copies: the resources given are not changed.
 */
export function prepareStoredLayer(resources: readonly Resource[], registry: DefinitionRegistry): StoredLayer {
  const input: Input = { structureDefinitions: [], searchParameters: [], valueSets: [], codeSystems: [], compartmentDefinitions: [], implementationGuides: [] };
  for (const r of resources) collect(structuredClone(r), input, `${r.resourceType}/${r.id}`);
  const problems: StoredLayer['problems'] = [];
  const byUrl = new Map(input.structureDefinitions.filter((sd) => sd.url).map((sd) => [sd.url as string, sd]));
  // a stored profile on a stored profile derives from the version being loaded, not the registry's
  // previous one; the file definitions always come from the registry
  const lookup = (url: string) => {
    const own = byUrl.get(url.split('|')[0]);
    return own && !registry.isBaseDefinition(url) ? own : registry.structureDefinition(url);
  };
  const complete: StructureDefinition[] = [];
  for (const sd of input.structureDefinitions) {
    try {
      completeSnapshots([sd], lookup);
      complete.push(sd);
    } catch (err) {
      byUrl.delete(sd.url as string);
      problems.push({ key: `StructureDefinition/${sd.id}`, message: (err as Error).message });
    }
  }
  const { compartmentDefinitions: _none, implementationGuides: _guides, ...rest } = input;
  return { input: { ...rest, structureDefinitions: complete }, problems };
}

/** Why a StructureDefinition cannot be used for validation (its snapshot cannot be made), or undefined. */
export function snapshotProblem(sd: StructureDefinition, registry: DefinitionRegistry): string | undefined {
  const { problems } = prepareStoredLayer([sd], registry);
  return problems[0]?.message;
}
