import type { Media } from '@medplum/fhirtypes';
import type { ItemFinding } from './observation-triage';
import { UNTRIAGED_COLOUR } from './value-rule';

/**
 * A photo (a Media, the image in a Binary) has no value to compare with thresholds: it is assessed
 * by the care team. Like every item the rules cannot judge it is never a silent green: yellow,
 * and the Task says it needs a clinician's look.
 */
export function triagePhoto(media: Media): ItemFinding {
  const what = media.content?.title ?? media.bodySite?.text ?? 'photo';
  const problem = `${what}: a photo for the care team's assessment`;
  return { colour: UNTRIAGED_COLOUR, reasons: [problem], problems: [problem] };
}
