import type { Questionnaire, QuestionnaireResponse } from '@medplum/fhirtypes';
import type { Issue } from '../fhir/issue';
import type { ValueSetExpander } from '../fhir/terminology/expand';
import { checkQuestionnaireResponse } from '../fhir/validation/questionnaire-response';
import { splitCanonical, type CanonicalLookup } from '../store/canonical';

/**
 * The asynchronous step of validating a QuestionnaireResponse: fetch the Questionnaire it
 * answers (by canonical URL and version) and check the answers against it. The resource
 * validator is synchronous and database-free, so this runs beside it in the interaction.
 * A Questionnaire the server does not hold is noted (information), never an error.
 */
export async function questionnaireIssues(
  resource: { resourceType?: unknown; questionnaire?: unknown },
  lookup: CanonicalLookup,
  terminology: ValueSetExpander,
): Promise<Issue[]> {
  if (resource.resourceType !== 'QuestionnaireResponse' || typeof resource.questionnaire !== 'string') return [];
  const { url, version } = splitCanonical(resource.questionnaire);
  const questionnaire = (await lookup('Questionnaire', url, version)) as Questionnaire | undefined;
  if (!questionnaire) {
    return [
      {
        severity: 'information',
        code: 'not-found',
        diagnostics: `Questionnaire ${resource.questionnaire} is not on this server; the answers were not checked against it`,
        expression: ['QuestionnaireResponse.questionnaire'],
      },
    ];
  }
  return checkQuestionnaireResponse(resource as QuestionnaireResponse, questionnaire, terminology);
}
