import type { CapabilityStatementRestResource, OperationDefinitionParameter } from '@medplum/fhirtypes';
import type { KolibriModule } from '../../modules/module';
import { futDefinition, loadDefinitions, withFutNames, type FutOperationSpec } from '../operation-definitions';

/**
 * FUT's services declare the standard `$validate` under names of their own, one per group of
 * resource types. Kolibri's `$validate` (type and instance level, every type: the same checks a
 * write runs, with `mode` and `profile`) is that operation, so this module declares it under
 * FUT's names too, on the types FUT declares each for, and stores an OperationDefinition at each
 * of those canonicals describing what Kolibri's route accepts.
 */
const VALIDATE_NAMES: ReadonlyArray<{ futId: string; types: readonly string[] }> = [
  {
    futId: 'Multi-it-validate',
    types: [
      'ActivityDefinition', 'Appointment', 'Basic', 'CarePlan', 'CareTeam', 'CodeSystem', 'Communication', 'CommunicationRequest', 'ConceptMap', 'Condition',
      'Consent', 'DocumentReference', 'EpisodeOfCare', 'Group', 'Media', 'NamingSystem', 'Observation', 'Organization', 'Patient', 'PlanDefinition',
      'Practitioner', 'PractitionerRole', 'Provenance', 'Questionnaire', 'QuestionnaireResponse', 'RelatedPerson', 'SearchParameter', 'ServiceRequest',
      'StructureDefinition', 'ValueSet',
    ],
  },
  { futId: 'DeviceDeviceUseStatement-t-validate', types: ['Device', 'DeviceUseStatement'] },
  { futId: 'CompositionDocumentReference-it-validate', types: ['Composition', 'DocumentReference'] },
  { futId: 'Library-it-validate', types: ['Library'] },
  { futId: 'ClinicalImpressionTask-it-validate', types: ['ClinicalImpression', 'Task'] },
];

const VALIDATE_PARAMETERS: OperationDefinitionParameter[] = [
  { name: 'resource', use: 'in', min: 0, max: '1', type: 'Resource', documentation: 'The resource to check (or the body is the resource itself); not needed with mode=delete.' },
  { name: 'mode', use: 'in', min: 0, max: '1', type: 'code', documentation: 'create (the default), update or delete.' },
  { name: 'profile', use: 'in', min: 0, max: '1', type: 'uri', documentation: 'A profile to check the resource against as well.' },
  { name: 'return', use: 'out', min: 1, max: '1', type: 'OperationOutcome', documentation: 'The issues found; 200 either way.' },
];

function validateSpec(futId: string, types: readonly string[]): FutOperationSpec {
  return {
    futId,
    code: 'validate',
    title: `Validate (${types.join(', ')})`,
    description:
      "Kolibri's $validate under FUT's name: the same checks a create or update of the resource runs (base definitions, meta.profile, the profiles the server enforces, a QuestionnaireResponse against its Questionnaire) plus `profile`, or with mode=delete whether the resource could be deleted. POST at type level, or at instance level for an update or delete.",
    affectsState: false,
    system: false,
    type: true,
    instance: true,
    resource: [...types],
    parameter: VALIDATE_PARAMETERS,
  };
}

/** A resource entry with `$validate` declared under each FUT name that covers its type. */
export const withFutValidate = (resource: CapabilityStatementRestResource) => withFutNames(resource, 'validate', VALIDATE_NAMES);

export function futStandardModule(): KolibriModule {
  return {
    name: 'fut-standard',
    capability: { decorateResource: withFutValidate },
    loadTemplates: (deps) => loadDefinitions(deps, VALIDATE_NAMES.map((n) => futDefinition(validateSpec(n.futId, n.types)))),
  };
}
