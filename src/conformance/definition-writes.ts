import type { StructureDefinition } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../fhir/definitions/registry';
import { snapshotProblem } from '../fhir/definitions/stored';
import { forbidden, unprocessable } from '../fhir/outcome';
import type { WriteHook } from '../interactions/write-hooks';
import { builtinAmong } from '../store/definition-rows';

/** Types of the built-in rows (./builtin-seed.ts). */
const BUILTIN_TYPES = new Set(['StructureDefinition', 'SearchParameter', 'ValueSet', 'CodeSystem', 'OperationDefinition', 'ImplementationGuide']);

/**
 * The write rules of conformance resources, in the writing transaction (a throw writes nothing):
 * - a built-in definition (R4 base, fhir-profiles/, IG packages) is read-only for everyone, the operator
 *   included: 403, whatever the interaction (update, patch, delete, transaction entry);
 * - a StructureDefinition must be usable for validation: one whose snapshot cannot be made from
 *   its differential is refused with 422 now, rather than silently ignored by every instance;
 * - a definition may not take a built-in one's canonical URL (the built-in one would win).
 */
export function definitionWriteRules(registry: DefinitionRegistry): WriteHook {
  const hook: WriteHook = async ({ tx, changes }) => {
    const ours = changes.filter((c) => BUILTIN_TYPES.has(c.resourceType));
    if (ours.length === 0) return;
    const builtin = await builtinAmong(tx.client, ours.map((c) => `${c.resourceType}/${c.id}`));
    if (builtin.size) {
      const [key] = builtin;
      throw forbidden(`${key} is a built-in definition (the R4 base, Kolibri's fhir-profiles/ or an implementation-guide package): it is read-only. Publish your own under another id and canonical URL.`);
    }
    for (const c of ours) {
      if (c.json === null) continue;
      const resource = JSON.parse(c.json) as { url?: string; resourceType: string };
      if (resource.url && registry.isBaseDefinition(resource.url)) {
        throw unprocessable([{ severity: 'error', code: 'business-rule', diagnostics: `${resource.url} is the canonical URL of a built-in definition; give yours a URL of its own`, expression: [`${c.resourceType}.url`] }]);
      }
      if (c.resourceType !== 'StructureDefinition') continue;
      const problem = snapshotProblem(resource as StructureDefinition, registry);
      if (problem) throw unprocessable([{ severity: 'error', code: 'not-supported', diagnostics: `this StructureDefinition cannot be used for validation: ${problem}`, expression: ['StructureDefinition'] }]);
    }
  };
  hook.watches = (change) => BUILTIN_TYPES.has(change.resourceType);
  return hook;
}
