import type { Operation, OperationContext } from '../operation';
import type { InteractionResult } from '../types';
import { lookupCode, subsumes, validateCodeSystemCode } from './code-system';
import { translate } from './concept-map';
import { snapshot } from './snapshot';
import { expandValueSet, validateValueSetCode, type TerminologyRequest } from './value-set';

const R4 = 'http://hl7.org/fhir/OperationDefinition';

type Handler = (deps: OperationContext['deps'], req: TerminologyRequest) => Promise<InteractionResult>;

/** An operation on one resource type, GET and POST, at type and instance level unless `levels` says otherwise. */
function operation(name: string, type: string, definition: string, handler: Handler, levels: Operation['levels'] = ['type', 'instance']): Operation {
  return {
    name,
    types: [type],
    levels,
    methods: ['GET', 'POST'],
    definition: `${R4}/${definition}`,
    handler: ({ deps, method, id, query, body }) => handler(deps, { method, id, query, body }),
  };
}

/**
 * The R4 terminology operations over the CodeSystems, ValueSets and ConceptMaps the server holds
 * (the R4 base, fhir-profiles/, the IG packages, stored ones), and `StructureDefinition/$snapshot`.
 * Their OperationDefinitions are the R4 base's, served among the built-in definitions.
 */
export const TERMINOLOGY_OPERATIONS: readonly Operation[] = [
  operation('expand', 'ValueSet', 'ValueSet-expand', expandValueSet),
  operation('validate-code', 'ValueSet', 'ValueSet-validate-code', validateValueSetCode),
  operation('lookup', 'CodeSystem', 'CodeSystem-lookup', lookupCode, ['type']),
  operation('validate-code', 'CodeSystem', 'CodeSystem-validate-code', validateCodeSystemCode),
  operation('subsumes', 'CodeSystem', 'CodeSystem-subsumes', subsumes),
  operation('translate', 'ConceptMap', 'ConceptMap-translate', translate),
  operation('snapshot', 'StructureDefinition', 'StructureDefinition-snapshot', snapshot),
];
