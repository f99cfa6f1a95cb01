import type { AuthContext, ContextField } from '../auth/context';
import { forbidden } from '../fhir/outcome';
import type { SearchRequest } from '../fhir/search/ast';

/** The context fields a search may not contradict, by the type they name. */
const CONTEXT_OF_TYPE: Readonly<Record<string, ContextField>> = {
  Patient: 'patient',
  CareTeam: 'careTeam',
  EpisodeOfCare: 'episodeOfCare',
};

/**
 * Like the national infrastructure, refuse (403) a search whose parameters contradict the
 * token's context: a reference parameter naming only other patients, care teams or episodes of
 * care than the one in context (`Observation?subject=Patient/other` with a patient in context,
 * `Task?owner=CareTeam/other` with a care team; any reference parameter counts, so FUT's
 * `episodeOfCare`, `responsible`, `careTeamRecipient`… of fhir-profiles/fut-search take part, a
 * bare id where the parameter has one target type), `_id` naming only other patients or episodes
 * on their own type, or a compartment search of another patient. A parameter whose values
 * include the context's own (`Patient?_id=own,other`) is no contradiction: the access filter
 * narrows it as before. The refusal names the parameter and the context; it is decided from
 * the request alone, so it says nothing about whether the other resource exists.
 */
export function refuseContradictions(auth: AuthContext, request: SearchRequest): void {
  const refuse = (code: string, named: Array<[string, string]>): void => {
    const byType = new Map<string, string[]>();
    for (const [type, id] of named) if (CONTEXT_OF_TYPE[type] && auth[CONTEXT_OF_TYPE[type]]) byType.set(type, [...(byType.get(type) ?? []), `${type}/${id}`]);
    for (const [type, refs] of byType) {
      const context = auth[CONTEXT_OF_TYPE[type]] as string;
      if (!refs.includes(context)) {
        throw forbidden(`The search parameter ${code} names ${refs[0]}, which contradicts the access token's ${type} context (${context})`);
      }
    }
  };
  if (request.compartment) refuse('the compartment', [[request.compartment.type, request.compartment.id]]);
  for (const criterion of request.criteria) {
    if (criterion.kind === 'id' && !criterion.not) {
      // not on CareTeam: the directory stays searchable by id whatever the context
      for (const type of request.types.filter((t) => t !== 'CareTeam')) refuse('_id', criterion.ids.map((id) => [type, id]));
    } else if (criterion.kind === 'param' && criterion.type === 'reference' && criterion.modifier !== 'identifier') {
      refuse(criterion.code, criterion.values.flatMap((v) => (v.kind === 'local' && v.targetType ? [[v.targetType, v.id] as [string, string]] : [])));
    } else if (criterion.kind === 'chain' && criterion.targetTypes.length === 1 && criterion.next.kind === 'id' && !criterion.next.not) {
      // `subject:Patient._id=other` says the same as `subject=Patient/other`
      const type = criterion.targetTypes[0];
      refuse(criterion.code, criterion.next.ids.map((id) => [type, id]));
    }
  }
}
