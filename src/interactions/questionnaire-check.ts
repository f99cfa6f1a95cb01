import type { Questionnaire, Resource } from '@medplum/fhirtypes';
import type { Issue } from '../fhir/issue';
import { checkQuestionnaireResponse } from '../fhir/validation/questionnaire-response';
import { splitCanonical, type CanonicalLookup } from '../store/canonical';
import type { InteractionDeps } from './types';

/**
 * What a Questionnaire that cannot be found means: `information` on writes (a QuestionnaireResponse
 * may answer a Questionnaire held elsewhere; it is stored unchecked), `error` in `$validate`, as
 * the reference validator reports a questionnaire it cannot resolve.
 */
export type UnresolvedQuestionnaire = 'information' | 'error';

/**
 * The asynchronous step of validating a QuestionnaireResponse: fetch the Questionnaire it
 * answers (by canonical URL and version) and check the answers against it. The resource
 * validator is synchronous and database-free, so this runs beside it in the interaction.
 * Only a Questionnaire the caller may see is used: one it may not see answers exactly as one
 * that does not exist, so the check tells nothing about resources outside the caller's reach.
 */
export async function questionnaireIssues(
  deps: Pick<InteractionDeps, 'findCanonical' | 'access' | 'validator'>,
  resource: { resourceType?: unknown; questionnaire?: unknown },
  unresolved: UnresolvedQuestionnaire = 'information',
): Promise<Issue[]> {
  if (resource.resourceType !== 'QuestionnaireResponse' || typeof resource.questionnaire !== 'string') return [];
  const { url, version } = splitCanonical(resource.questionnaire);
  const questionnaire = (await visibleCanonical(deps)('Questionnaire', url, version)) as Questionnaire | undefined;
  if (!questionnaire) {
    const diagnostics =
      unresolved === 'error'
        ? `The questionnaire '${resource.questionnaire}' could not be resolved, so no validation can be performed against the base questionnaire`
        : `Questionnaire ${resource.questionnaire} is not on this server; the answers were not checked against it`;
    return [{ severity: unresolved, code: 'not-found', diagnostics, expression: ['QuestionnaireResponse.questionnaire'] }];
  }
  return checkQuestionnaireResponse(resource as never, questionnaire, deps.validator.terminology);
}

/** A canonical look-up that finds only what the caller may see. */
export function visibleCanonical(deps: Pick<InteractionDeps, 'findCanonical' | 'access'>): CanonicalLookup {
  return async (type, url, version) => {
    const found: Resource | undefined = await deps.findCanonical(type, url, version);
    return found && (await deps.access.canSee(found)) ? found : undefined;
  };
}
