import type { Resource } from '@medplum/fhirtypes';
import { retriageOnEnteredInError } from '../../../src/telemedicine/entered-in-error';
import type { InteractionDeps } from '../../../src/interactions/types';

const episode = [{ url: 'https://kolibri.dk/fhir/StructureDefinition/ext-episode-of-care', valueReference: { reference: 'EpisodeOfCare/e1' } }];
const watches = (action: 'create' | 'update' | 'delete', resource: object) =>
  retriageOnEnteredInError.watches?.({ action, resourceType: (resource as Resource).resourceType, resource: resource as Resource }, {} as InteractionDeps);

describe('the entered-in-error rule watches only what can move an item to or from entered-in-error', () => {
  it.each([
    ['an update to entered-in-error', 'update', { resourceType: 'Observation', status: 'entered-in-error' }, true],
    ["an episode's Observation updated to final (a possible correction)", 'update', { resourceType: 'Observation', status: 'final', extension: episode }, true],
    ["an episode's QuestionnaireResponse updated to completed", 'update', { resourceType: 'QuestionnaireResponse', status: 'completed', extension: episode }, true],
    ['an Observation of no episode updated to final', 'update', { resourceType: 'Observation', status: 'final' }, false],
    ["an episode's Observation updated to preliminary", 'update', { resourceType: 'Observation', status: 'preliminary', extension: episode }, false],
    ["a create of an episode's Observation", 'create', { resourceType: 'Observation', status: 'final', extension: episode }, false],
    ['another type', 'update', { resourceType: 'Condition', extension: episode }, false],
  ] as const)('%s → %s', (_name, action, resource, expected) => {
    expect(watches(action, resource)).toBe(expected);
  });
});
