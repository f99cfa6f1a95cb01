import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { composeAccessModels, type ComposedAccessModel } from '../interactions/access-model';
import type { Operation } from '../interactions/operation';
import type { WriteHook } from '../interactions/write-hooks';
import type { CommitListener } from '../store/versions';
import type { JobKind } from '../jobs/runner';
import type { JobKindDeps, KolibriModule } from './module';

/** The modules' parts, joined in module order: what createServices wires into the engine. */
export interface ComposedModules {
  /** The engine's operations, then each module's. */
  operations: readonly Operation[];
  writeHooks: readonly WriteHook[];
  /** The engine's access rules with the modules' care models. */
  accessModel: ComposedAccessModel;
  /** Every module's commit listeners in turn; one failing is reported and does not stop the others. */
  onCommit: CommitListener;
  decorateResource(resource: CapabilityStatementRestResource): CapabilityStatementRestResource;
  /** The modules' further names of system-level operations (CapabilityStatement rest.operation). */
  systemOperationNames: Array<{ name: string; definition: string }>;
  /** Every module's job kinds, for the instance's job runner. */
  jobKinds(deps: JobKindDeps): JobKind[];
}

/**
 * Join the engine's operations and the modules' contributions; an operation name given twice is
 * a start-up error.
 */
export function composeModules(
  modules: readonly KolibriModule[],
  engine: { operations: readonly Operation[]; onListenerError?: (err: unknown) => void },
): ComposedModules {
  const operations = [...engine.operations, ...modules.flatMap((m) => m.operations ?? [])];
  const listeners = modules.flatMap((m) => m.commitListeners ?? []);
  const seen = new Set<string>();
  for (const op of operations) {
    if (seen.has(op.name)) throw new Error(`operation $${op.name} is contributed twice`);
    seen.add(op.name);
  }
  return {
    operations,
    writeHooks: modules.flatMap((m) => m.writeHooks ?? []),
    accessModel: composeAccessModels(modules.flatMap((m) => (m.accessModel ? [m.accessModel] : []))),
    onCommit: async (changes) => {
      for (const listener of listeners) {
        try {
          await listener(changes);
        } catch (err) {
          engine.onListenerError?.(err);
        }
      }
    },
    decorateResource: (resource) => modules.reduce((r, m) => m.capability?.decorateResource?.(r) ?? r, resource),
    systemOperationNames: modules.flatMap((m) => [...(m.capability?.systemOperations ?? [])]),
    jobKinds: (deps) => modules.flatMap((m) => [...(m.jobKinds?.(deps) ?? [])]),
  };
}
