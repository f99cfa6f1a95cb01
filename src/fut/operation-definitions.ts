import type { CapabilityStatementRestResource, OperationDefinition, OperationDefinitionParameter } from '@medplum/fhirtypes';
import type { TemplateDeps } from '../modules/module';

/** FUT's canonical base of its OperationDefinitions. */
export const FUT_OPERATION_BASE = 'http://ehealth.sundhed.dk/fhir/OperationDefinition';

/** What an OperationDefinition of a FUT operation says, written next to the route it describes. */
export interface FutOperationSpec {
  /** The id FUT names it by (`-s-get-resource-counts`, `Organization-i-traverse-to-sor`): the canonical's last segment. */
  futId: string;
  code: string;
  title: string;
  description: string;
  affectsState: boolean;
  system: boolean;
  type: boolean;
  instance: boolean;
  resource?: string[];
  parameter: OperationDefinitionParameter[];
}

export const futCanonical = (futId: string) => `${FUT_OPERATION_BASE}/${futId}`;

export function futDefinition(spec: FutOperationSpec): OperationDefinition {
  return {
    resourceType: 'OperationDefinition',
    id: `fut${spec.futId.startsWith('-') ? '' : '-'}${spec.futId}`,
    url: futCanonical(spec.futId),
    name: spec.code.replace(/(^|-)([a-zA-Z])/g, (_, __, c: string) => c.toUpperCase()),
    title: spec.title,
    status: 'active',
    kind: 'operation',
    publisher: 'Kolibri',
    description: spec.description,
    affectsState: spec.affectsState,
    code: spec.code,
    ...(spec.resource ? { resource: spec.resource as OperationDefinition['resource'] } : {}),
    system: spec.system,
    type: spec.type,
    instance: spec.instance,
    parameter: spec.parameter,
  };
}

/** Store the definitions (created when missing, updated when changed); a restart writes nothing. */
export async function loadDefinitions(deps: TemplateDeps, definitions: readonly OperationDefinition[]): Promise<{ created: string[]; updated: string[] }> {
  const result = { created: [] as string[], updated: [] as string[] };
  await deps.store.transaction(async (tx) => {
    for (const def of definitions) {
      const existing = await deps.findCanonical('OperationDefinition', def.url as string, undefined);
      const id = existing?.id ?? (def.id as string);
      const { meta: _meta, ...stored } = (existing ?? {}) as OperationDefinition;
      if (existing && JSON.stringify({ ...stored, id: def.id }) === JSON.stringify(def)) continue;
      const written = await tx.update({ ...def, id }, { allowCreate: true });
      (written.created ? result.created : result.updated).push(`OperationDefinition/${id}`);
    }
  });
  return result;
}

/**
 * A CapabilityStatement resource entry with operation `name` declared again under each of FUT's
 * names whose types include the entry's (FUT names one standard operation differently per group
 * of types; the route is the same).
 */
export function withFutNames(resource: CapabilityStatementRestResource, name: string, names: ReadonlyArray<{ futId: string; types: readonly string[] }>): CapabilityStatementRestResource {
  const added = names.filter((n) => n.types.includes(resource.type as string)).map((n) => ({ name, definition: futCanonical(n.futId) }));
  return added.length ? { ...resource, operation: [...(resource.operation ?? []), ...added] } : resource;
}
