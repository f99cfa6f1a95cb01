import { FhirError } from '../fhir/outcome';
import type { AuthContext } from './context';
import type { Permission, Scope } from './scopes';

/**
 * The interactions scopes speak about. Map FHIR interactions onto them as SMART v2 does
 * (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-fhir-resources):
 *   create → create; read, vread, instance history → read; update, patch → update;
 *   delete → delete; search, type/system history → search; `_include`/`_revinclude` targets →
 *   search on the target type; a transaction/batch entry → the entry's own interaction.
 */
export type Interaction = 'create' | 'read' | 'update' | 'delete' | 'search';

const LETTER: Record<Interaction, Permission> = { create: 'c', read: 'r', update: 'u', delete: 'd', search: 's' };

/** Scopes that grant `interaction` on `resourceType` (a '*' scope grants it for every type). */
function granting(scopes: readonly Scope[], interaction: Interaction, resourceType: string): Scope[] {
  const letter = LETTER[interaction];
  return scopes.filter((s) => s.permissions.includes(letter) && (s.resourceType === '*' || s.resourceType === resourceType));
}

/** True when some scope allows `interaction` on `resourceType` (maybe with a restriction). */
export function allows(scopes: readonly Scope[], interaction: Interaction, resourceType: string): boolean {
  return granting(scopes, interaction, resourceType).length > 0;
}

/**
 * The query restrictions the search engine must apply for `interaction` on `resourceType`:
 * `null` when some granting scope is unrestricted (no filter), else the alternatives — a
 * resource is visible when it matches ALL pairs of ANY one alternative. `[]` (no alternative)
 * means nothing is allowed at all.
 *
 * Example: `system/Observation.rs?category=vital-signs` → `[[['category', 'vital-signs']]]`.
 */
export function restrictionsFor(
  scopes: readonly Scope[],
  interaction: Interaction,
  resourceType: string,
): Array<ReadonlyArray<readonly [string, string]>> | null {
  const found = granting(scopes, interaction, resourceType);
  if (found.some((s) => !s.restriction)) return null;
  return found.map((s) => s.restriction as ReadonlyArray<readonly [string, string]>);
}

/** The scope contexts (`patient/`, `user/`, `system/`) under which `interaction` is granted. */
export function grantingContexts(scopes: readonly Scope[], interaction: Interaction, resourceType: string): Set<Scope['context']> {
  return new Set(granting(scopes, interaction, resourceType).map((s) => s.context));
}

/**
 * Throw 403 unless `auth`'s scopes allow `interaction` on `resourceType`. Call it from every
 * interaction (and for each `_include` target, transaction entry and operation). A scope with
 * a query restriction passes here; the search engine then applies `restrictionsFor`.
 * Whether the caller may see a particular resource (organization, care team, patient) is the
 * access model's question, answered in SQL, not here.
 */
export function requireScope(auth: AuthContext, interaction: Interaction, resourceType: string): void {
  if (allows(auth.scopes, interaction, resourceType)) return;
  throw insufficientScope(`The access token's scopes do not allow ${interaction} on ${resourceType}`);
}

/** 403 with the RFC 6750 `insufficient_scope` challenge. */
export function insufficientScope(diagnostics: string): FhirError {
  return new FhirError(403, [{ severity: 'error', code: 'forbidden', diagnostics }], {
    'www-authenticate': `Bearer realm="kolibri", error="insufficient_scope"`,
  });
}
