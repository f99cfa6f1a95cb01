/**
 * The national eHealth infrastructure's (FUT) canonical base: its OperationDefinitions are
 * `http://ehealth.sundhed.dk/fhir/OperationDefinition/{id}`, ids as the implementation guide names
 * them (`-s-` system level, `-t-` type, `-i-` instance).
 */
export const FUT_BASE = 'http://ehealth.sundhed.dk/fhir';

/** The canonical URL of a FUT OperationDefinition id. */
export const futOperation = (id: string): string => `${FUT_BASE}/OperationDefinition/${id}`;

/** The episode link FUT's measurement, CarePlan and ServiceRequest profiles carry. */
export const WORKFLOW_EPISODE = 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare';
