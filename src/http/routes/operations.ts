import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionDeps, InteractionResult, SharedDeps } from '../../interactions/types';
import { requestDeps } from '../request-deps';
import { notFound } from '../../fhir/outcome';
import { everything } from '../../interactions/everything';
import { lastn } from '../../interactions/lastn';
import { validateOperation } from '../../interactions/validate';
import { sendResult } from '../reply';
import { getPatientProceduresOperation } from '../../telemedicine/scheduler/procedures';
import { telemedicineOperations } from '../../telemedicine/operations';

/**
 * FHIR operations (`$name`), one table: each names its levels, methods and handler, and
 * the routes and CapabilityStatement entries are generated from it. Later operations
 * ($everything, $lastn, $submit-measurement, $apply) join the table.
 * https://hl7.org/fhir/R4/operations.html
 */

export type OperationLevel = 'system' | 'type' | 'instance';

export interface OperationContext {
  deps: OperationDeps;
  type?: string;
  id?: string;
  body: unknown;
  query: Record<string, string | string[] | undefined>;
}

export interface Operation {
  /** Without the `$`. */
  name: string;
  levels: readonly OperationLevel[];
  methods: readonly ('GET' | 'POST')[];
  /** The OperationDefinition's canonical URL (CapabilityStatement.rest.resource.operation.definition). */
  definition: string;
  /** Resource types it applies to at type/instance level; undefined = all. */
  types?: readonly string[];
  handler: (ctx: OperationContext) => Promise<InteractionResult>;
}

/** An operation's deps: the request's interaction deps (canonical look-ups included). */
export type OperationDeps = InteractionDeps;

export const OPERATIONS: readonly Operation[] = [
  {
    name: 'validate',
    levels: ['type', 'instance'],
    methods: ['POST'],
    definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
    handler: ({ deps, type, id, body, query }) => validateOperation(deps, { type: type as string, id, body, query }),
  },
  {
    name: 'everything',
    levels: ['instance'],
    methods: ['GET'],
    types: ['Patient'],
    definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
    handler: ({ deps, id, query }) => everything(deps, id as string, queryPairs(query)),
  },
  {
    name: 'lastn',
    levels: ['type'],
    methods: ['GET'],
    types: ['Observation'],
    definition: 'http://hl7.org/fhir/OperationDefinition/Observation-lastn',
    handler: ({ deps, query }) => lastn(deps, queryPairs(query)),
  },
  getPatientProceduresOperation,
  ...telemedicineOperations,
];

/** Register every operation of the table at its levels. */
export function registerOperations(app: FastifyInstance, shared: SharedDeps, operations: readonly Operation[] = OPERATIONS): void {
  for (const op of operations) {
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const deps: OperationDeps = requestDeps(req, shared);
      const params = req.params as { type?: string; id?: string };
      if (op.types && params.type !== undefined && !op.types.includes(params.type)) {
        throw notFound(`$${op.name} is not defined for ${params.type} (only ${op.types.join(', ')})`);
      }
      const query = req.query as OperationContext['query'];
      return sendResult(req, reply, await op.handler({ deps, type: params.type, id: params.id, body: req.body, query }));
    };
    const urls: Record<OperationLevel, string> = {
      system: `/fhir/$${op.name}`,
      type: `/fhir/:type/$${op.name}`,
      instance: `/fhir/:type/:id/$${op.name}`,
    };
    for (const level of op.levels) app.route({ method: [...op.methods], url: urls[level], handler });
  }
}

/** CapabilityStatement: add the type- and instance-level operations to each resource entry. */
export function withOperations(
  resource: CapabilityStatementRestResource,
  operations: readonly Operation[] = OPERATIONS,
): CapabilityStatementRestResource {
  const ops = operations
    .filter((op) => op.levels.some((l) => l !== 'system') && (!op.types || op.types.includes(resource.type as string)))
    .map((op) => ({ name: op.name, definition: op.definition }));
  return ops.length ? { ...resource, operation: [...(resource.operation ?? []), ...ops] } : resource;
}

/** CapabilityStatement rest.operation: the table's system-level operations (`[base]/$name`). */
export function systemOperations(operations: readonly Operation[] = OPERATIONS): Array<{ name: string; definition: string }> {
  return operations.filter((op) => op.levels.includes('system')).map((op) => ({ name: op.name, definition: op.definition }));
}

/** A parsed query object back to [name, value] pairs (repeats kept). */
function queryPairs(query: OperationContext['query']): Array<[string, string]> {
  return Object.entries(query).flatMap(([name, v]) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => [name, x] as [string, string])));
}
