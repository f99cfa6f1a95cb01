import type { Coding } from '@medplum/fhirtypes';

/**
 * Triage colours (fhir-profiles/codesystem-triage-colour.json) and what they mean for the
 * care team's worklist: red → `asap`, yellow → `urgent`, green → `routine`.
 */
export type Colour = 'red' | 'yellow' | 'green';

export const TRIAGE_COLOUR_SYSTEM = 'https://kolibri.dk/fhir/CodeSystem/triage-colour';
export const TRIAGE_RESULT_EXTENSION = 'https://kolibri.dk/fhir/StructureDefinition/ext-triage-result';

const SEVERITY: Record<Colour, number> = { green: 0, yellow: 1, red: 2 };
const DISPLAY: Record<Colour, string> = { red: 'Red', yellow: 'Yellow', green: 'Green' };

/** The worst of the colours (green when there are none). */
export function worst(colours: Iterable<Colour>): Colour {
  let out: Colour = 'green';
  for (const c of colours) if (SEVERITY[c] > SEVERITY[out]) out = c;
  return out;
}

/** Task.priority (R4 request-priority) for a triage colour. */
export function taskPriority(colour: Colour): 'asap' | 'urgent' | 'routine' {
  return colour === 'red' ? 'asap' : colour === 'yellow' ? 'urgent' : 'routine';
}

export function colourCoding(colour: Colour): Coding {
  return { system: TRIAGE_COLOUR_SYSTEM, code: colour, display: DISPLAY[colour] };
}

/** A Coding from the triage-colour CodeSystem as a Colour; undefined for anything else. */
export function colourOf(coding: Coding | undefined): Colour | undefined {
  if (!coding || coding.system !== TRIAGE_COLOUR_SYSTEM) return undefined;
  return coding.code === 'red' || coding.code === 'yellow' || coding.code === 'green' ? coding.code : undefined;
}
