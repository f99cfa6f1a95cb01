import type { Resource } from '@medplum/fhirtypes';
import type { CareContexts } from '../auth/context-options';
import type { ReachSql } from '../store/access-sql';
import { reachOfGrants, type CareGrants } from '../store/care-grants';
import type { ReferenceLister } from '../store/reference-lists';
import type { Access, Db } from './access';

/**
 * A care model: what a module adds to the engine's access policy. The engine's own rules are
 * generic (a citizen's own compartment, an organization's records and the Patients it
 * registered, the operator's definitions, shared directory types); which care relationships
 * grant staff access to a patient, and who may change those relationships, the module says.
 */
export interface AccessModel {
  /** How the module's care relationships grant a staff policy patients (the store compiles them to SQL). */
  grants?: CareGrants;
  /** Types whose writes change who reaches which patient (their index is written before access checks). */
  grantTypes?: readonly string[];
  /** Write rules of the module's care-relationship types, run after the generic refusals. */
  writeRules?: Readonly<Record<string, WriteRule>>;
  /**
   * How a staff client comes to reach a Patient it created but may not read (a clinician's:
   * it reaches patients only through care relationships), ending "You can read it …".
   */
  reachHint?: string;
  /** The care relationships listed as contexts a client may choose (care teams, episodes), read through the store's lists. */
  contexts?: (list: ReferenceLister) => CareContexts;
}

/**
 * A type's write rule: called inside the write's transaction after the row lock with the version
 * replaced (`before`, undefined for a create) and the one to be stored (`after`, undefined for a
 * delete); refuses by throwing a 403.
 */
export type WriteRule = (access: Access, db: Db, before: Resource | undefined, after: Resource | undefined) => Promise<WriteRuleOutcome> | WriteRuleOutcome;

export type WriteRuleOutcome =
  /** The rule decided alone: the write is allowed. */
  | 'allowed'
  /** The record belongs to the organization its elements name (the rule checked that): the patient rules still apply, the owner rule not. */
  | 'organization-bound'
  /** The generic record rules (patients reached, owner organization) apply in full. */
  | 'records';

/** The engine's access model: the Patient resource itself is the only grant (its owner organization). */
const ENGINE_GRANT_TYPES = ['Patient'];

/** The composed access model the engine runs: every part filled. */
export interface ComposedAccessModel {
  reach?: ReachSql;
  grantTypes: ReadonlySet<string>;
  writeRules: Readonly<Record<string, WriteRule>>;
  reachHint?: string;
  contexts?: (list: ReferenceLister) => CareContexts;
}

/** Join care models: the patients any of them grants, and each type's write rule from one model only. */
export function composeAccessModels(models: readonly AccessModel[]): ComposedAccessModel {
  const grants = models.flatMap((m) => (m.grants ? [m.grants] : []));
  const writeRules: Record<string, WriteRule> = {};
  const contexts = models.filter((m) => m.contexts);
  if (contexts.length > 1) throw new Error('two access models list care contexts');
  for (const model of models) {
    for (const [type, rule] of Object.entries(model.writeRules ?? {})) {
      if (writeRules[type]) throw new Error(`two access models give a write rule for ${type}`);
      writeRules[type] = rule;
    }
  }
  return {
    reach: grants.length === 0 ? undefined : reachOfGrants((policy) => grants.flatMap((g) => g(policy))),
    grantTypes: new Set([...ENGINE_GRANT_TYPES, ...models.flatMap((m) => m.grantTypes ?? [])]),
    writeRules,
    reachHint: models.find((m) => m.reachHint)?.reachHint,
    contexts: contexts[0]?.contexts,
  };
}
