import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { composeAccessModels, type ComposedAccessModel } from '../interactions/access-model';
import type { Operation } from '../interactions/operation';
import type { WriteHook } from '../interactions/write-hooks';
import type { ChangeConsumer } from '../jobs/change-consumers';
import type { JobKind } from '../jobs/runner';
import type { JobKindDeps, KolibriModule } from './module';

/** The modules' parts, joined in module order: what createServices wires into the engine. */
export interface ComposedModules {
  /** The engine's operations, then each module's. */
  operations: readonly Operation[];
  writeHooks: readonly WriteHook[];
  /** The engine's access rules with the modules' care models. */
  accessModel: ComposedAccessModel;
  /** Every module's change-log consumers (their names are unique). */
  changeConsumers: readonly ChangeConsumer[];
  decorateResource(resource: CapabilityStatementRestResource): CapabilityStatementRestResource;
  /** The modules' further names of system-level operations (CapabilityStatement rest.operation). */
  systemOperationNames: Array<{ name: string; definition: string }>;
  /** Every module's job kinds, for the instance's job runner. */
  jobKinds(deps: JobKindDeps): JobKind[];
}

/**
 * Join the engine's operations and the modules' contributions. Two operations of one name may
 * share a URL only as overloads: the later one says which requests are its shape (`accepts`),
 * at exactly the same levels and types; any other repeat of a name at a level and type is a
 * start-up error.
 */
export function composeModules(
  modules: readonly KolibriModule[],
  engine: { operations: readonly Operation[] },
): ComposedModules {
  const operations = joinOperations([...engine.operations, ...modules.flatMap((m) => m.operations ?? [])]);
  return {
    operations,
    writeHooks: modules.flatMap((m) => m.writeHooks ?? []),
    accessModel: composeAccessModels(modules.flatMap((m) => (m.accessModel ? [m.accessModel] : []))),
    changeConsumers: uniqueConsumers(modules.flatMap((m) => m.changeConsumers ?? [])),
    decorateResource: (resource) => modules.reduce((r, m) => m.capability?.decorateResource?.(r) ?? r, resource),
    systemOperationNames: modules.flatMap((m) => [...(m.capability?.systemOperations ?? [])]),
    jobKinds: (deps) => modules.flatMap((m) => [...(m.jobKinds?.(deps) ?? [])]),
  };
}

/** Consumers as given; two of one name would share (and fight over) one cursor: a start-up error. */
function uniqueConsumers(consumers: readonly ChangeConsumer[]): readonly ChangeConsumer[] {
  const names = new Set<string>();
  for (const c of consumers) {
    if (names.has(c.name)) throw new Error(`change consumer ${c.name} is contributed twice`);
    names.add(c.name);
  }
  return consumers;
}

/** The operation table with overloads merged into the operation they share a route with. */
function joinOperations(all: readonly Operation[]): Operation[] {
  const joined: Operation[] = [];
  for (const op of all) {
    const i = joined.findIndex((o) => o.name === op.name && o.levels.some((l) => op.levels.includes(l)) && typesOverlap(o.types, op.types));
    if (i < 0) {
      joined.push(op);
      continue;
    }
    const earlier = joined[i];
    if (!op.accepts || !sameList(earlier.levels, op.levels) || !sameList(earlier.types ?? [], op.types ?? [])) {
      throw new Error(`operation $${op.name} is contributed twice`);
    }
    const overload = op;
    joined[i] = {
      ...earlier,
      methods: [...new Set([...earlier.methods, ...overload.methods])],
      alsoDefinitions: [...(earlier.alsoDefinitions ?? []), overload.definition],
      handler: (ctx) => (overload.methods.includes(ctx.method) && overload.accepts?.(ctx) ? overload.handler(ctx) : earlier.handler(ctx)),
    };
  }
  return joined;
}

function typesOverlap(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return !a || !b || a.some((t) => b.includes(t));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
