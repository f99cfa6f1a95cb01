import type { Extension } from '@medplum/fhirtypes';
import { EPISODE_EXTENSION } from '../telemedicine/triage/triage-result';
import { WORKFLOW_EPISODE } from './canonical';

/**
 * FUT links a resource to its episode of care with `workflow-episodeOfCare`; Kolibri's triage,
 * care model and searches read Kolibri's episode extension. A resource with the first and not the
 * second gets the second too, same reference.
 */
export function withKolibriEpisode<T extends { extension?: Extension[] }>(resource: T): T {
  const extensions = resource.extension ?? [];
  if (extensions.some((e) => e.url === EPISODE_EXTENSION)) return resource;
  const workflow = extensions.find((e) => e.url === WORKFLOW_EPISODE)?.valueReference;
  return workflow ? { ...resource, extension: [...extensions, { url: EPISODE_EXTENSION, valueReference: { reference: workflow.reference } }] } : resource;
}
