import type { Issue } from '../issue';
import { ANSWER_KEYS } from './questionnaire-response';

/**
 * A Questionnaire's `enableWhen` rules must be answerable: `question` names another item of the
 * Questionnaire that takes answers (not a group or display item, not the item itself), and
 * `answer[x]` has the type that item's answers have (a boolean for `exists`, que-7).
 * https://hl7.org/fhir/R4/questionnaire-definitions.html#Questionnaire.item.enableWhen
 * A rule that can never be met silently hides its item, so a write refuses it too.
 */

interface Item {
  linkId?: unknown;
  type?: unknown;
  enableWhen?: { question?: unknown; operator?: unknown; [answer: string]: unknown }[];
  item?: Item[];
}

/** The answer[x] types an enableWhen may compare with an item's answers (value[x] as answer[x]; a url is compared as a string). */
function answerTypes(itemType: string): readonly string[] | undefined {
  return ANSWER_KEYS[itemType]?.map((k) => (k === 'valueUri' ? 'String' : k.slice('value'.length)));
}

export function enableWhenIssues(questionnaire: Record<string, unknown>): Issue[] {
  if (questionnaire.resourceType !== 'Questionnaire' || !Array.isArray(questionnaire.item)) return [];
  const items = new Map<string, Item>();
  const collect = (list: Item[]) => {
    for (const item of list) {
      if (typeof item?.linkId === 'string' && !items.has(item.linkId)) items.set(item.linkId, item);
      if (Array.isArray(item?.item)) collect(item.item);
    }
  };
  collect(questionnaire.item as Item[]);
  const issues: Issue[] = [];
  const walk = (list: Item[], at: string) =>
    list.forEach((item, i) => {
      const here = `${at}.item[${i}]`;
      (item?.enableWhen ?? []).forEach((rule, j) => check(rule, item, `${here}.enableWhen[${j}]`, items, issues));
      if (Array.isArray(item?.item)) walk(item.item, here);
    });
  walk(questionnaire.item as Item[], 'Questionnaire');
  return issues;
}

function check(rule: NonNullable<Item['enableWhen']>[number], item: Item, at: string, items: Map<string, Item>, issues: Issue[]): void {
  const question = rule.question;
  if (typeof question !== 'string') return;
  const target = items.get(question);
  const fail = (message: string): void => {
    issues.push({ severity: 'error', code: 'business-rule', diagnostics: `${at}: ${message}`, expression: [at] });
  };
  if (!target) return fail(`Unable to find an item with the linkId '${question}' which is referenced in the enableWhen for '${String(item.linkId)}'`);
  if (target === item) return fail(`The enableWhen of item '${question}' refers to the item itself`);
  const type = String(target.type);
  if (type === 'group' || type === 'display') return fail(`The enableWhen of item '${String(item.linkId)}' refers to '${question}', a ${type} item, which has no answers`);
  const key = Object.keys(rule).find((k) => k.startsWith('answer'));
  if (!key || rule.operator === 'exists') return;
  const answerType = key.slice('answer'.length);
  const allowed = answerTypes(type);
  if (allowed && !allowed.includes(answerType)) {
    fail(`The enableWhen of item '${String(item.linkId)}' compares '${question}' (a ${type} item) with ${key}, which its answers never are (expected ${allowed.map((t) => `answer${t}`).join(' or ') || 'exists'})`);
  }
}
