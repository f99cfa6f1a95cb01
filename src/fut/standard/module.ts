import { futOperation } from '../canonical';
import { upsertDefinitions } from '../../modules/definitions';
import type { CapabilityStatementRestResource, OperationDefinitionParameter } from '@medplum/fhirtypes';
import type { KolibriModule } from '../../modules/module';
import { declaredFutDefinition, withFutNames, type DeclaredFutOperation } from '../declared-operations';

/**
 * FUT's services declare the standard `$validate` (and Bulk Data `$export`) under names of their own, one per group of
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

function validateSpec(futId: string, types: readonly string[]): DeclaredFutOperation {
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

/** Kolibri's Bulk Data `$export` at system level under FUT's name, with the kick-off parameters it accepts. */
const EXPORT_SPEC: DeclaredFutOperation = {
  futId: '-s-export',
  code: 'export',
  title: 'Bulk Data export (system level)',
  description:
    "Kolibri's FHIR Bulk Data export under FUT's name: GET [base]/$export with Prefer: respond-async queues an export of every resource the caller may read and answers 202 with Content-Location, the status URL to poll (202 with X-Progress while it runs, 200 with the manifest when done, DELETE to cancel). Other parameters than those below are refused (400).",
  affectsState: false,
  system: true,
  type: false,
  instance: false,
  parameter: [
    { name: '_outputFormat', use: 'in', min: 0, max: '1', type: 'string', documentation: 'application/fhir+ndjson (or its short forms).' },
    { name: '_type', use: 'in', min: 0, max: '1', type: 'string', documentation: 'Comma-separated resource types.' },
    { name: '_since', use: 'in', min: 0, max: '1', type: 'instant', documentation: 'Only resources changed since this instant.' },
    { name: '_typeFilter', use: 'in', min: 0, max: '*', type: 'string', documentation: '[type]?[search]: only the resources of that type the search finds.' },
  ],
};

export function futStandardModule(): KolibriModule {
  return {
    name: 'fut-standard',
    capability: { decorateResource: withFutValidate, systemOperations: [{ name: 'export', definition: futOperation(EXPORT_SPEC.futId) }] },
    loadTemplates: (deps) => upsertDefinitions(deps, [...VALIDATE_NAMES.map((n) => declaredFutDefinition(validateSpec(n.futId, n.types))), declaredFutDefinition(EXPORT_SPEC)]),
  };
}
