import type { AuthContext, ContextField } from '../auth/context';
import { forbidden } from '../fhir/outcome';
import type { Criterion, SearchRequest } from '../fhir/search/ast';
import type { ReferenceValue } from '../fhir/search/params/reference';

/** The context fields a search may not contradict, by the type they name. */
const CONTEXT_OF_TYPE: Readonly<Record<string, ContextField>> = {
  Patient: 'patient',
  CareTeam: 'careTeam',
  EpisodeOfCare: 'episodeOfCare',
};

/**
 * Like the national infrastructure, refuse (403) a search whose parameters contradict the
 * token's context: a reference parameter naming another patient, care team or episode of care
 * than the one in context (`Observation?subject=Patient/other` with a patient in context,
 * `Task?owner=CareTeam/other` with a care team), `_id` of another patient or episode on its own type,
 * or a compartment search of another patient. The refusal names the parameter and the
 * context; it is decided from the request alone, so it says nothing about whether the other
 * resource exists. A search within the context is left to the access filter as before.
 */
export function refuseContradictions(auth: AuthContext, request: SearchRequest): void {
  const contradiction = (code: string, type: string, id: string): void => {
    const field = CONTEXT_OF_TYPE[type];
    const context = field ? auth[field] : undefined;
    if (context && context !== `${type}/${id}`) {
      throw forbidden(`The search parameter ${code} names ${type}/${id}, which contradicts the access token's ${type} context (${context})`);
    }
  };
  if (request.compartment) contradiction(`the compartment`, request.compartment.type, request.compartment.id);
  for (const criterion of request.criteria) check(criterion, request.types, contradiction);
}

function check(criterion: Criterion, types: string[], contradiction: (code: string, type: string, id: string) => void): void {
  if (criterion.kind === 'id' && !criterion.not) {
    // not on CareTeam: the directory stays searchable by id whatever the context
    for (const type of types.filter((t) => t !== 'CareTeam')) for (const id of criterion.ids) contradiction('_id', type, id);
  } else if (criterion.kind === 'param' && criterion.type === 'reference' && criterion.modifier !== 'identifier') {
    for (const value of criterion.values as ReferenceValue[]) {
      if (value.kind === 'local' && value.targetType) contradiction(criterion.code, value.targetType, value.id);
    }
  }
}
