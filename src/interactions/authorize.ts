import type { Resource } from '@medplum/fhirtypes';
import { hasErrors } from '../fhir/issue';
import { unprocessable } from '../fhir/outcome';
import { questionnaireIssues } from './questionnaire-check';
import { ensureVersionVisible } from './read';
import type { EntryRequest } from './transaction-hooks';
import type { InteractionDeps } from './types';

export type WriteInteraction = 'create' | 'update' | 'patch' | 'delete';

/**
 * The one authorization check of every write, single or inside a batch/transaction: the
 * token's scope for the interaction, then the access model on the resource as written and on
 * the version it replaces (403 either way). Update-as-create needs the create scope too.
 */
export async function authorizeWrite(
  deps: InteractionDeps,
  interaction: WriteInteraction,
  type: string,
  id: string | undefined,
  resource: Resource | undefined,
): Promise<void> {
  deps.access.requireScope(interaction === 'patch' ? 'update' : interaction, type);
  let current: Resource | undefined;
  if (id !== undefined) {
    const stored = await deps.store.read(type, id);
    if (stored && !stored.deleted) current = JSON.parse(stored.json as string) as Resource;
    else if (interaction === 'update') deps.access.requireScope('create', type);
  }
  await deps.access.ensureWritable(interaction === 'patch' ? current : resource, current);
  if (resource) await checkAgainstQuestionnaire(deps, resource);
}

/**
 * A QuestionnaireResponse is also checked against the Questionnaire it answers, when the server
 * holds it (linkIds, answer types, required items, enableWhen, options): the asynchronous part
 * of validation that the database-free validator cannot do. Errors → 422.
 */
async function checkAgainstQuestionnaire(deps: InteractionDeps, resource: Resource): Promise<void> {
  if (resource.resourceType !== 'QuestionnaireResponse') return;
  const issues = await questionnaireIssues(resource, deps.findCanonical, deps.validator.terminology);
  if (hasErrors(issues)) throw unprocessable(issues);
}

/**
 * The bundle processor's per-entry hook: writes go through `authorizeWrite`; read and vread
 * entries get the single read's rule (scope, then 404 for what the caller may not see);
 * search and history entries run the single interactions, which check for themselves.
 */
export function authorizeEntry(deps: InteractionDeps): (entry: EntryRequest) => Promise<void> {
  return async (entry) => {
    if (entry.interaction === 'create' || entry.interaction === 'update' || entry.interaction === 'patch' || entry.interaction === 'delete') {
      await authorizeWrite(deps, entry.interaction, entry.type, entry.id, entry.resource);
    } else if ((entry.interaction === 'read' || entry.interaction === 'vread') && entry.id !== undefined) {
      deps.access.requireScope('read', entry.type);
      const vid = entry.interaction === 'vread' ? Number(/_history\/(\d+)/.exec(entry.url)?.[1]) : undefined;
      const version = vid ? await deps.store.vread(entry.type, entry.id, vid) : await deps.store.read(entry.type, entry.id);
      if (version) await ensureVersionVisible(deps, version);
    }
  };
}
