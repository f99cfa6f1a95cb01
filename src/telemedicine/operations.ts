import type { Operation } from '../http/routes/operations';
import { applyInput, applyPlanDefinition } from './apply-plan';
import { submitMeasurement } from './submit-measurement';

/** The telemedicine workflow's operations, registered in the operation table (src/http/routes/operations.ts). */
export const telemedicineOperations: Operation[] = [
  {
    name: 'apply',
    levels: ['instance'],
    methods: ['GET', 'POST'],
    types: ['PlanDefinition'],
    definition: 'http://hl7.org/fhir/OperationDefinition/PlanDefinition-apply',
    handler: ({ deps, id, query, body }) => applyPlanDefinition(deps, id as string, applyInput(query, body)),
  },
  {
    name: 'submit-measurement',
    levels: ['instance'],
    methods: ['POST'],
    types: ['Patient'],
    definition: 'https://kolibri.dk/fhir/OperationDefinition/Patient-submit-measurement',
    handler: ({ deps, id, body }) => submitMeasurement(deps, id as string, body),
  },
];
