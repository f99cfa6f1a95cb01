import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Questionnaire, QuestionnaireResponse } from '@medplum/fhirtypes';
import { ValueSetExpander } from '../../../../src/fhir/terminology/expand';
import { checkQuestionnaireResponse } from '../../../../src/fhir/validation/questionnaire-response';

const EX = join(__dirname, '../../../../fhir-profiles/examples');
const questionnaire = JSON.parse(readFileSync(join(EX, 'questionnaire.json'), 'utf8')) as Questionnaire;
const response = JSON.parse(readFileSync(join(EX, 'questionnaireresponse.json'), 'utf8')) as QuestionnaireResponse;
questionnaire.item!.push({ linkId: 'symptoms', type: 'group', repeats: false, item: [{ linkId: 'cough', type: 'integer', required: true }] });
const expander = new ValueSetExpander({ valueSet: () => undefined, codeSystem: () => undefined });
const check = (items: unknown[], status = 'completed') =>
  checkQuestionnaireResponse({ ...response, status, item: items } as QuestionnaireResponse, questionnaire, expander).map((i) => `${i.code} ${i.expression?.[0]}`);

const breathless = { linkId: 'breathless', answer: [{ valueCoding: { system: 'https://kolibri.dk/fhir/CodeSystem/kol-answers', code: 'no' } }] };
const noChange = { linkId: 'sputum-colour-changed', answer: [{ valueBoolean: false }] };
const group = { linkId: 'symptoms', item: [{ linkId: 'cough', answer: [{ valueInteger: 2 }] }] };

it('accepts a complete, consistent response', () => {
  expect(check([breathless, noChange, group])).toEqual([]);
});
it('unknown linkIds, and linkIds at the wrong level', () => {
  expect(check([breathless, noChange, group, { linkId: 'mood', answer: [{ valueString: 'ok' }] }])).toEqual(['structure QuestionnaireResponse.item[3].linkId']);
  expect(check([breathless, noChange, { linkId: 'symptoms', item: [{ linkId: 'cough', answer: [{ valueInteger: 1 }] }, { linkId: 'breathless' }] }])).toEqual([
    'structure QuestionnaireResponse.item[2].item[1].linkId',
  ]);
});
it('answer types, answerOption membership and repeats', () => {
  expect(check([{ linkId: 'breathless', answer: [{ valueString: 'no' }] }, noChange, group])).toEqual(['code-invalid QuestionnaireResponse.item[0].answer[0].valueString']);
  expect(check([breathless, { linkId: 'sputum-colour-changed', answer: [{ valueString: 'no' }] }, group])).toEqual(['value QuestionnaireResponse.item[1].answer[0].valueString']);
  expect(check([{ linkId: 'breathless', answer: [...breathless.answer, ...breathless.answer] }, noChange, group])).toEqual(['structure QuestionnaireResponse.item[0].answer[1]']);
  expect(check([breathless, noChange, group, group])).toEqual(['structure QuestionnaireResponse.item[3]']);
});
it('required items in completed responses only, nested ones included', () => {
  expect(check([breathless])).toEqual(['required QuestionnaireResponse']);
  expect(check([breathless, noChange, { linkId: 'symptoms' }])).toEqual(['required QuestionnaireResponse.item[2]']);
  expect(check([breathless], 'in-progress')).toEqual([]);
});
it('enableWhen: a disabled item has no answers; maxLength', () => {
  const colour = (v: string) => ({ linkId: 'sputum-colour', answer: [{ valueString: v }] });
  expect(check([breathless, noChange, colour('green'), group])).toEqual(['business-rule QuestionnaireResponse.item[2]']);
  const changed = { linkId: 'sputum-colour-changed', answer: [{ valueBoolean: true }] };
  expect(check([breathless, changed, colour('green'), group])).toEqual([]);
  expect(check([breathless, changed, colour('g'.repeat(41)), group])).toEqual(['too-long QuestionnaireResponse.item[2].answer[0].valueString']);
});
