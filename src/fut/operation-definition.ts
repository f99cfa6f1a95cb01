import type { OperationDefinition, OperationDefinitionParameter } from '@medplum/fhirtypes';
import type { Operation, OperationContext } from '../interactions/operation';
import type { InteractionResult } from '../interactions/types';
import { futOperation } from './canonical';
import { readInputs, type InputParameter, type InputValue } from './parameters';

/** An input as declared (what the route reads) with its documentation. */
export interface DocumentedInput extends InputParameter {
  documentation: string;
}

/** A FUT operation: its route, and the inputs from which both its parsing and its OperationDefinition derive. */
export interface FutOperationSpec {
  /** The implementation guide's id (`-s-submit-measurement`), the last segment of the canonical. */
  id: string;
  code: string;
  title: string;
  description: string;
  level: 'system' | 'type' | 'instance';
  types?: readonly string[];
  methods: readonly ('GET' | 'POST')[];
  affectsState: boolean;
  inputs: readonly DocumentedInput[];
  output: { name: string; type: string; documentation: string };
  /** For an overload of an operation another module serves at the same URL (see Operation.accepts). */
  accepts?: (ctx: OperationContext) => boolean;
  run(ctx: OperationContext, inputs: Map<string, InputValue[]>): Promise<InteractionResult>;
}

/** The engine's Operation entry of a spec: its inputs read and checked against the declaration first. */
export function futRoute(spec: FutOperationSpec): Operation {
  return {
    name: spec.code,
    levels: [spec.level],
    methods: spec.methods,
    ...(spec.types ? { types: spec.types } : {}),
    definition: futOperation(spec.id),
    ...(spec.accepts ? { accepts: spec.accepts } : {}),
    handler: (ctx) => spec.run(ctx, readInputs(spec.inputs, ctx.method === 'POST' ? ctx.body : undefined, ctx.query)),
  };
}

/** The OperationDefinition Kolibri serves for a spec, written from the same declaration the route parses with. */
export function futDefinition(spec: FutOperationSpec): OperationDefinition {
  const parameter: OperationDefinitionParameter[] = [
    ...spec.inputs.map((p) => ({
      name: p.name,
      use: 'in' as const,
      min: p.min,
      max: p.max,
      documentation: p.documentation,
      type: (p.type === 'resource' ? p.resourceType : p.type) as OperationDefinitionParameter['type'],
    })),
    { name: spec.output.name, use: 'out', min: 0, max: '1', documentation: spec.output.documentation, type: spec.output.type as OperationDefinitionParameter['type'] },
  ];
  return {
    resourceType: 'OperationDefinition',
    id: spec.id,
    url: futOperation(spec.id),
    version: '0.1.0',
    name: spec.code.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
    title: spec.title,
    status: 'active',
    kind: 'operation',
    publisher: 'Kolibri',
    description: `${spec.description} Methods: ${spec.methods.join(', ')}. Kolibri's implementation of the operation the Danish national eHealth infrastructure defines at this canonical.`,
    affectsState: spec.affectsState,
    code: spec.code,
    ...(spec.types ? { resource: [...spec.types] as OperationDefinition['resource'] } : {}),
    system: spec.level === 'system',
    type: spec.level === 'type',
    instance: spec.level === 'instance',
    parameter,
  };
}
