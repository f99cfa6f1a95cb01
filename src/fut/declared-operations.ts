import type { CapabilityStatementRestResource, OperationDefinition, OperationDefinitionParameter } from '@medplum/fhirtypes';
import { futOperation } from './canonical';

/**
 * What the OperationDefinition of a FUT operation says, written out next to a route that parses
 * its own input (records, reporting, the standard operations under FUT's names). Operations whose
 * route and definition derive from one input declaration use FutOperationSpec
 * (./operation-definition.ts) instead.
 */
export interface DeclaredFutOperation {
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

export function declaredFutDefinition(spec: DeclaredFutOperation): OperationDefinition {
  return {
    resourceType: 'OperationDefinition',
    id: `fut${spec.futId.startsWith('-') ? '' : '-'}${spec.futId}`,
    url: futOperation(spec.futId),
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

/**
 * A CapabilityStatement resource entry with operation `name` declared again under each of FUT's
 * names whose types include the entry's (FUT names one standard operation differently per group
 * of types; the route is the same).
 */
export function withFutNames(resource: CapabilityStatementRestResource, name: string, names: ReadonlyArray<{ futId: string; types: readonly string[] }>): CapabilityStatementRestResource {
  const added = names.filter((n) => n.types.includes(resource.type as string)).map((n) => ({ name, definition: futOperation(n.futId) }));
  return added.length ? { ...resource, operation: [...(resource.operation ?? []), ...added] } : resource;
}
