import type { Questionnaire, QuestionnaireItem, QuestionnaireItemEnableWhen, QuestionnaireResponse, QuestionnaireResponseItem } from '@medplum/fhirtypes';
import type { Issue } from '../issue';
import type { ValueSetExpander } from '../terminology/expand';
import { equalsFixed } from './pattern';

/**
 * A QuestionnaireResponse checked against its Questionnaire (pure; the caller fetches the
 * Questionnaire). https://hl7.org/fhir/R4/questionnaireresponse.html#link
 * linkIds exist and nest as in the Questionnaire; answers have the item's type; `required`
 * items are answered in a completed response; only `repeats` items have several answers (or
 * occur several times); answers come from `answerOption` / `answerValueSet`; items disabled by
 * `enableWhen` have no answers; string answers respect `maxLength`.
 */

/** The answer[x] each item type takes. https://hl7.org/fhir/R4/valueset-item-type.html */
export const ANSWER_KEYS: Readonly<Record<string, readonly string[]>> = {
  boolean: ['valueBoolean'],
  decimal: ['valueDecimal'],
  integer: ['valueInteger'],
  date: ['valueDate'],
  dateTime: ['valueDateTime'],
  time: ['valueTime'],
  string: ['valueString'],
  text: ['valueString'],
  url: ['valueUri'],
  choice: ['valueCoding', 'valueString', 'valueInteger', 'valueDate', 'valueTime', 'valueReference'],
  'open-choice': ['valueCoding', 'valueString', 'valueInteger', 'valueDate', 'valueTime', 'valueReference'],
  attachment: ['valueAttachment'],
  reference: ['valueReference'],
  quantity: ['valueQuantity'],
};

type Answer = Record<string, unknown>;

export function checkQuestionnaireResponse(qr: QuestionnaireResponse, q: Questionnaire, expander: ValueSetExpander): Issue[] {
  const issues: Issue[] = [];
  const answersByLinkId = new Map<string, Answer[]>();
  collectAnswers(qr.item ?? [], answersByLinkId);
  const check = new Check(issues, answersByLinkId, expander, qr.status === 'completed');
  check.items(qr.item ?? [], q.item ?? [], 'QuestionnaireResponse');
  return issues;
}

function collectAnswers(items: QuestionnaireResponseItem[], into: Map<string, Answer[]>): void {
  for (const item of items) {
    if (item.linkId && item.answer) into.set(item.linkId, [...(into.get(item.linkId) ?? []), ...(item.answer as Answer[])]);
    if (item.item) collectAnswers(item.item, into);
    for (const a of item.answer ?? []) if (a.item) collectAnswers(a.item, into);
  }
}

class Check {
  constructor(
    private readonly issues: Issue[],
    private readonly answers: Map<string, Answer[]>,
    private readonly expander: ValueSetExpander,
    private readonly completed: boolean,
  ) {}

  items(given: QuestionnaireResponseItem[], defined: QuestionnaireItem[], path: string): void {
    const byLinkId = new Map(defined.map((d) => [d.linkId as string, d]));
    const seen = new Map<string, number>();
    given.forEach((item, i) => {
      const at = `${path}.item[${i}]`;
      const def = byLinkId.get(item.linkId as string);
      if (!def) {
        const where = path === 'QuestionnaireResponse' ? 'at the top level of' : 'at this level in';
        this.error('structure', `${at}.linkId`, `linkId '${item.linkId}' is not ${where} the Questionnaire`);
        return;
      }
      const count = (seen.get(def.linkId as string) ?? 0) + 1;
      seen.set(def.linkId as string, count);
      if (count === 2 && !def.repeats) this.error('structure', at, `item '${def.linkId}' occurs more than once but does not repeat`);
      this.item(item, def, at);
    });
    for (const def of defined) {
      if (!def.required || !this.completed || seen.has(def.linkId as string) || !this.enabled(def)) continue;
      this.error('required', path, `required item '${def.linkId}' is not answered in a completed response`);
    }
  }

  private item(item: QuestionnaireResponseItem, def: QuestionnaireItem, at: string): void {
    const answers = (item.answer ?? []) as Answer[];
    if (answers.length && !this.enabled(def)) {
      this.error('business-rule', at, `item '${def.linkId}' is disabled by its enableWhen conditions but has answers`);
    }
    if ((def.type === 'group' || def.type === 'display') && answers.length) {
      this.error('structure', `${at}.answer[0]`, `item '${def.linkId}' is a ${def.type} and takes no answers`);
    }
    if (answers.length > 1 && !def.repeats) this.error('structure', `${at}.answer[1]`, `item '${def.linkId}' takes one answer (repeats is not true)`);
    answers.forEach((answer, j) => {
      this.answer(answer, def, `${at}.answer[${j}]`);
      const nested = (answer.item ?? []) as QuestionnaireResponseItem[];
      if (nested.length) this.items(nested, def.item ?? [], `${at}.answer[${j}]`);
    });
    if (item.item?.length) this.items(item.item, def.item ?? [], at);
    else if (def.type === 'group' && this.completed && this.enabled(def)) this.items([], def.item ?? [], at);
  }

  private answer(answer: Answer, def: QuestionnaireItem, at: string): void {
    const key = Object.keys(answer).find((k) => k.startsWith('value'));
    if (!key) return;
    const allowed = ANSWER_KEYS[def.type as string] ?? [];
    if (!allowed.includes(key)) {
      this.error('value', `${at}.${key}`, `item '${def.linkId}' is of type ${def.type}; ${key} is not an answer to it (expected ${allowed.join(' or ') || 'none'})`);
      return;
    }
    const value = answer[key];
    if (def.maxLength !== undefined && typeof value === 'string' && value.length > def.maxLength) {
      this.error('too-long', `${at}.${key}`, `answer is ${value.length} characters, item '${def.linkId}' allows ${def.maxLength}`);
    }
    if (def.type !== 'choice' && def.type !== 'open-choice') return;
    if (def.type === 'open-choice' && key === 'valueString') return;
    if (def.answerOption?.length) {
      const optionKey = key;
      const ok = def.answerOption.some((o) => {
        const ov = (o as unknown as Record<string, unknown>)[optionKey];
        if (ov === undefined) return false;
        if (optionKey !== 'valueCoding') return equalsFixed(ov, value);
        const a = value as { system?: string; code?: string };
        const b = ov as { system?: string; code?: string };
        return a.code === b.code && (a.system ?? b.system) === b.system;
      });
      if (!ok) this.error('code-invalid', `${at}.${key}`, `answer is not one of the answerOptions of item '${def.linkId}'`);
    } else if (def.answerValueSet && key === 'valueCoding') {
      const expansion = this.expander.expand(def.answerValueSet);
      const c = value as { system?: string; code?: string };
      if (!expansion) {
        this.issues.push({ severity: 'warning', code: 'not-supported', diagnostics: `${at}.${key}: answerValueSet ${def.answerValueSet} cannot be expanded on this server; the answer was not checked`, expression: [`${at}.${key}`] });
      } else if (typeof c.code === 'string' && !expansion.has(c.system, c.code)) {
        this.error('code-invalid', `${at}.${key}`, `${c.system}|${c.code} is not in the answerValueSet ${def.answerValueSet} of item '${def.linkId}'`);
      }
    }
  }

  /** https://hl7.org/fhir/R4/questionnaire-definitions.html#Questionnaire.item.enableWhen */
  private enabled(def: QuestionnaireItem): boolean {
    const conditions = def.enableWhen ?? [];
    if (!conditions.length) return true;
    const results = conditions.map((c) => this.condition(c));
    // enableBehavior is required with several conditions; without it, any one enables (never wrongly disables)
    return def.enableBehavior === 'all' ? results.every(Boolean) : results.some(Boolean);
  }

  private condition(c: QuestionnaireItemEnableWhen): boolean {
    const answers = this.answers.get(c.question as string) ?? [];
    const expectedKey = Object.keys(c).find((k) => k.startsWith('answer')) as string;
    const expected = (c as unknown as Record<string, unknown>)[expectedKey];
    if (c.operator === 'exists') return (answers.length > 0) === expected;
    const valueKey = `value${expectedKey.slice('answer'.length)}`;
    return answers.some((a) => compare(a[valueKey], expected, c.operator as string));
  }

  private error(code: Issue['code'], expression: string, message: string): void {
    this.issues.push({ severity: 'error', code, diagnostics: `${expression}: ${message}`, expression: [expression] });
  }
}

function compare(actual: unknown, expected: unknown, op: string): boolean {
  if (actual === undefined) return op === '!=';
  if (typeof actual === 'object' || typeof expected === 'object') {
    const a = actual as { system?: string; code?: string; value?: number };
    const e = expected as { system?: string; code?: string; value?: number };
    const same = a.code !== undefined ? a.code === e.code && (e.system === undefined || a.system === e.system) : equalsFixed(actual, expected);
    if (op === '=') return same;
    if (op === '!=') return !same;
    return a.value !== undefined && e.value !== undefined ? compare(a.value, e.value, op) : false;
  }
  const a = actual as number | string | boolean;
  const e = expected as number | string | boolean;
  switch (op) {
    case '=': return a === e;
    case '!=': return a !== e;
    case '>': return a > e;
    case '<': return a < e;
    case '>=': return a >= e;
    case '<=': return a <= e;
    default: return false;
  }
}
