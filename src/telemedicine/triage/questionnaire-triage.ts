import type { Coding, Questionnaire, QuestionnaireItem, QuestionnaireResponse, QuestionnaireResponseItem } from '@medplum/fhirtypes';
import { colourOf, worst, type Colour } from './colour';
import type { ItemFinding } from './observation-triage';
import { UNTRIAGED_COLOUR } from './value-rule';

export const ANSWER_SIGNIFICANCE_EXTENSION = 'https://kolibri.dk/fhir/StructureDefinition/ext-answer-significance';

/**
 * Triage a QuestionnaireResponse by the answer significance its Questionnaire defines on
 * answerOptions (fhir-profiles/extension-answer-significance.json): each answer that matches an
 * option with a significance counts with that colour; the worst wins. Answers without a
 * significance (free text, booleans, options without the extension) do not count. A
 * Questionnaire the server does not hold is a problem, never a silent green.
 */
export function triageResponse(response: QuestionnaireResponse, questionnaire: Questionnaire | undefined): ItemFinding {
  if (!questionnaire) {
    const text = `Questionnaire ${response.questionnaire ?? '(none)'} is not known: answers not triaged`;
    return { colour: UNTRIAGED_COLOUR, reasons: [text], problems: [text] };
  }
  const definitions = new Map<string, QuestionnaireItem>();
  const collect = (items: readonly QuestionnaireItem[] | undefined) => items?.forEach((i) => (definitions.set(i.linkId, i), collect(i.item)));
  collect(questionnaire.item);

  const judged: Array<{ colour: Colour; reason: string }> = [];
  const walk = (items: readonly QuestionnaireResponseItem[] | undefined) => {
    for (const item of items ?? []) {
      const def = definitions.get(item.linkId);
      for (const answer of item.answer ?? []) {
        const colour = def && answer.valueCoding ? significanceOf(def, answer.valueCoding) : undefined;
        if (colour) judged.push({ colour, reason: `${def?.text ?? item.linkId}: ${answer.valueCoding?.display ?? answer.valueCoding?.code} → ${colour}` });
        walk(answer.item);
      }
      walk(item.item);
    }
  };
  walk(response.item);
  if (judged.length === 0) return { colour: 'green', reasons: ['No answer carries a significance'], problems: [] };
  const colour = worst(judged.map((j) => j.colour));
  // The answers that drove the colour first, then the rest.
  const ordered = [...judged.filter((j) => j.colour === colour), ...judged.filter((j) => j.colour !== colour)];
  return { colour, reasons: ordered.map((j) => j.reason), problems: [] };
}

function significanceOf(item: QuestionnaireItem, answer: Coding): Colour | undefined {
  const option = item.answerOption?.find((o) => o.valueCoding?.code === answer.code && (o.valueCoding?.system ?? undefined) === (answer.system ?? undefined));
  return colourOf(option?.extension?.find((e) => e.url === ANSWER_SIGNIFICANCE_EXTENSION)?.valueCoding);
}
