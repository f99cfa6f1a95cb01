import type { ClinicalImpression, Task } from '@medplum/fhirtypes';
import { colourCoding, colourOf, taskPriority, TRIAGE_RESULT_EXTENSION, worst, type Colour } from './colour';
import type { ItemFinding } from './observation-triage';
import { UNTRIAGED_COLOUR } from './value-rule';

const BASE = 'https://kolibri.dk/fhir';
export const EPISODE_EXTENSION = `${BASE}/StructureDefinition/ext-episode-of-care`;
export const TASK_CATEGORY_SYSTEM = `${BASE}/CodeSystem/task-category`;
/** ClinicalImpression.code.text of the automatic triage (a clinician's assessment has another). */
export const TRIAGE_CODE_TEXT = 'Automatic triage of a home measurement';
const NOT_TRIAGED = 'not triaged automatically: ';

/** One triaged item and the reference (urn:uuid before the transaction, Type/id after) it is known by. */
export interface TriagedItem {
  reference: string;
  finding: ItemFinding;
}

export interface TriageContext {
  patientId: string;
  episodeId: string;
  careTeamId: string;
  /** Instant of the triage (the transaction's clock reading). */
  now: string;
}

/** The overall colour: the worst of the items'. */
export function overallColour(items: readonly TriagedItem[]): Colour {
  return worst(items.map((i) => i.finding.colour));
}

/**
 * The triage result (kolibri-clinicalimpression): overall colour, and one finding per item with
 * its colour and, in `basis`, the value or answer that drove it.
 */
export function triageImpression(items: readonly TriagedItem[], ctx: TriageContext): ClinicalImpression {
  const colour = overallColour(items);
  const problems = items.flatMap((i) => i.finding.problems);
  return {
    resourceType: 'ClinicalImpression',
    meta: { profile: [`${BASE}/StructureDefinition/kolibri-clinicalimpression`] },
    extension: [
      { url: TRIAGE_RESULT_EXTENSION, valueCoding: colourCoding(colour) },
      { url: EPISODE_EXTENSION, valueReference: { reference: `EpisodeOfCare/${ctx.episodeId}` } },
    ],
    status: 'completed',
    code: { text: TRIAGE_CODE_TEXT },
    subject: { reference: `Patient/${ctx.patientId}` },
    effectiveDateTime: ctx.now,
    date: ctx.now,
    summary: `${colour.toUpperCase()}${problems.length ? ` (${NOT_TRIAGED}${problems.join('; ')})` : ''}`,
    finding: items.map((i) => ({
      extension: [{ url: TRIAGE_RESULT_EXTENSION, valueCoding: colourCoding(i.finding.colour) }],
      itemReference: { reference: i.reference },
      basis: i.finding.reasons.join('; '),
    })),
  };
}

/**
 * The triaged items a triage ClinicalImpression records, read back from it (the inverse of
 * `triageImpression`): each finding's colour and reasons (`basis`); the reasons the summary lists
 * as not triaged automatically are its problems.
 */
export function triagedItemsOf(impression: ClinicalImpression): TriagedItem[] {
  const summary = impression.summary ?? '';
  const at = summary.indexOf(`(${NOT_TRIAGED}`);
  const problems = new Set(at < 0 ? [] : summary.slice(at + NOT_TRIAGED.length + 1, -1).split('; '));
  return (impression.finding ?? []).map((f) => {
    const reasons = f.basis ? f.basis.split('; ') : [];
    return {
      reference: f.itemReference?.reference ?? '',
      finding: {
        colour: colourOf(f.extension?.find((e) => e.url === TRIAGE_RESULT_EXTENSION)?.valueCoding) ?? UNTRIAGED_COLOUR,
        reasons,
        problems: reasons.filter((r) => problems.has(r)),
      },
    };
  });
}

/**
 * The "measurement for assessment" Task (kolibri-task) for the episode's care team: priority by
 * colour (red → asap, yellow → urgent, green → routine), focus the triage ClinicalImpression.
 * What could not be triaged automatically is said in the description.
 */
export function assessmentTask(items: readonly TriagedItem[], impressionReference: string, ctx: TriageContext): Task {
  const colour = overallColour(items);
  const problems = items.flatMap((i) => i.finding.problems);
  const drivers = items.filter((i) => i.finding.colour === colour).flatMap((i) => i.finding.reasons.slice(0, 1));
  const description = problems.length
    ? `Not triaged automatically: ${problems.join('; ')}`
    : `Triage ${colour}: ${drivers.join('; ')}`;
  return {
    resourceType: 'Task',
    meta: { profile: [`${BASE}/StructureDefinition/kolibri-task`] },
    extension: [{ url: EPISODE_EXTENSION, valueReference: { reference: `EpisodeOfCare/${ctx.episodeId}` } }],
    status: 'requested',
    intent: 'order',
    priority: taskPriority(colour),
    code: { coding: [{ system: TASK_CATEGORY_SYSTEM, code: 'measurement-for-assessment', display: 'Measurement for assessment' }] },
    description,
    focus: { reference: impressionReference },
    for: { reference: `Patient/${ctx.patientId}` },
    authoredOn: ctx.now,
    owner: { reference: `CareTeam/${ctx.careTeamId}` },
    input: items.map((i) => ({ type: { text: 'measurement' }, valueReference: { reference: i.reference } })),
  };
}
