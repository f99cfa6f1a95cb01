import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SharedDeps } from '../../interactions/types';
import type { Operation, OperationContext, OperationDeps, OperationFormat, OperationLevel } from '../../interactions/operation';
import { requestDeps } from '../request-deps';
import { badRequest, methodNotAllowed, notFound } from '../../fhir/outcome';
import { everything } from '../../interactions/everything';
import { lastn } from '../../interactions/lastn';
import { metaChange } from '../../interactions/meta-change';
import { validateOperation } from '../../interactions/validate';
import { TERMINOLOGY_OPERATIONS } from '../../interactions/terminology/operations';
import { sendResult } from '../reply';
import { FHIR_JSON, isFhirJsonFormat } from '../content-type';

export type { Operation, OperationContext, OperationDeps, OperationLevel } from '../../interactions/operation';

/**
 * The engine's own FHIR operations (`$name`). Modules add theirs (see src/modules/module.ts);
 * routes and CapabilityStatement entries are generated from the composed table.
 * https://hl7.org/fhir/R4/operations.html
 */
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
  ...(['add', 'delete'] as const).map(
    (change): Operation => ({
      name: `meta-${change}`,
      levels: ['instance'],
      methods: ['POST'],
      definition: `http://hl7.org/fhir/OperationDefinition/Resource-meta-${change}`,
      handler: ({ deps, type, id, body }) => metaChange(deps, change, type as string, id as string, body),
    }),
  ),
  {
    name: 'lastn',
    levels: ['type'],
    methods: ['GET'],
    types: ['Observation'],
    definition: 'http://hl7.org/fhir/OperationDefinition/Observation-lastn',
    handler: ({ deps, query }) => lastn(deps, queryPairs(query)),
  },
  ...TERMINOLOGY_OPERATIONS,
];

/**
 * Register every operation of the table at its levels. Operations of one name for different
 * types (`CodeSystem/$validate-code`, `ValueSet/$validate-code`) share a route, which picks the
 * one defined for the URL's type.
 */
export function registerOperations(app: FastifyInstance, shared: SharedDeps, operations: readonly Operation[] = OPERATIONS): void {
  const routes = new Map<string, Operation[]>();
  const urls: Record<OperationLevel, (name: string) => string> = {
    system: (name) => `/fhir/$${name}`,
    type: (name) => `/fhir/:type/$${name}`,
    instance: (name) => `/fhir/:type/:id/$${name}`,
  };
  for (const op of operations) {
    for (const level of op.levels) {
      const url = urls[level](op.name);
      routes.set(url, [...(routes.get(url) ?? []), op]);
    }
  }
  for (const [url, ops] of routes) {
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const deps: OperationDeps = requestDeps(req, shared);
      const params = req.params as { type?: string; id?: string };
      const op = params.type === undefined ? ops[0] : ops.find((o) => !o.types || o.types.includes(params.type as string));
      if (!op) throw notFound(`$${ops[0].name} is not defined for ${params.type} (only ${ops.flatMap((o) => o.types ?? []).join(', ')})`);
      if (!op.methods.includes(req.method as 'GET' | 'POST')) throw methodNotAllowed(`$${op.name} on ${params.type} takes ${op.methods.join(' or ')}`, [...op.methods]);
      op.authorize?.(deps.access);
      const query = req.query as OperationContext['query'];
      const format = op.formats ? chooseFormat(op.formats, query._format, req.headers.accept) : 'json';
      const result = await op.handler({ deps, method: req.method === 'GET' ? 'GET' : 'POST', type: params.type, id: params.id, body: req.body, query, format });
      // an operation with other representations answers FHIR JSON whatever else Accept names
      return sendResult(req, reply, op.formats ? { contentType: FHIR_JSON, ...result } : result);
    };
    app.route({ method: [...new Set(ops.flatMap((o) => o.methods))], url, handler });
  }
}

/**
 * The representation an operation with `formats` answers: named by `_format` (FHIR JSON, or a
 * format's name or media type; anything else is 400), else the first media type of Accept (a
 * browser's text/html), else FHIR JSON.
 */
function chooseFormat(formats: readonly OperationFormat[], format: string | string[] | undefined, accept: string | undefined): string {
  if (typeof format === 'string') {
    const chosen = formats.find((f) => f.name === format || f.mediaType === format);
    if (chosen) return chosen.name;
    if (isFhirJsonFormat(format)) return 'json';
    const names = ['json', ...formats.map((f) => f.name)];
    throw badRequest(`_format must be ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}, got '${format}'`, ['_format']);
  }
  const first = (accept ?? '').split(',').map((s) => s.split(';')[0].trim())[0];
  return formats.find((f) => f.mediaType === first)?.name ?? 'json';
}

/** CapabilityStatement: add the type- and instance-level operations to each resource entry. */
export function withOperations(
  resource: CapabilityStatementRestResource,
  operations: readonly Operation[] = OPERATIONS,
): CapabilityStatementRestResource {
  const ops = operations
    .filter((op) => op.levels.some((l) => l !== 'system') && (!op.types || op.types.includes(resource.type as string)))
    .flatMap((op) => [op.definition, ...(op.alsoDefinitions ?? [])].map((definition) => ({ name: op.name, definition })));
  return ops.length ? { ...resource, operation: [...(resource.operation ?? []), ...ops] } : resource;
}

/** CapabilityStatement rest.operation: the table's system-level operations (`[base]/$name`). */
export function systemOperations(operations: readonly Operation[] = OPERATIONS): Array<{ name: string; definition: string }> {
  return operations.filter((op) => op.levels.includes('system')).flatMap((op) => [op.definition, ...(op.alsoDefinitions ?? [])].map((definition) => ({ name: op.name, definition })));
}

/** A parsed query object back to [name, value] pairs (repeats kept). */
function queryPairs(query: OperationContext['query']): Array<[string, string]> {
  return Object.entries(query).flatMap(([name, v]) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => [name, x] as [string, string])));
}
