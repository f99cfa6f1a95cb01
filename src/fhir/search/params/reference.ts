import { parseReferenceText } from '../reference-text';
import { tokenParam, type TokenValue } from './token';
import { unescapeValue, type ParamHandler } from './types';

/**
 * reference: `Type/id`, `id` (any allowed target type, or the `:Type` modifier's), an absolute
 * URL on our base (treated as local), any other URL or canonical (`url|version` too), and
 * `:identifier` (token on Reference.identifier). Chains and `_has` are parsed in ../criteria.ts.
 * https://hl7.org/fhir/R4/search.html#reference
 */
export type ReferenceValue =
  | { kind: 'local'; targetType?: string; id: string }
  | { kind: 'url'; url: string }
  | { kind: 'identifier'; token: TokenValue };

export const referenceParam: ParamHandler<ReferenceValue> = {
  /** plus any resource type as `:Type`, checked by the parser */
  modifiers: ['identifier'],
  parseValue(text, modifier, ctx) {
    if (text.length === 0) return { error: 'empty reference value' };
    if (modifier === 'identifier') {
      const token = tokenParam.parseValue(text, undefined, ctx);
      return 'error' in token ? token : { kind: 'identifier', token };
    }
    const value = unescapeValue(text);
    const typeModifier = modifier && modifier !== 'identifier' ? modifier : undefined;
    const parsed = parseReferenceText(value, ctx.baseUrl);
    if (parsed.kind === 'local') {
      if (typeModifier && parsed.targetType !== typeModifier) return { error: `'${value}' is not a ${typeModifier} reference` };
      if (ctx.targets?.length && !ctx.targets.includes(parsed.targetType)) {
        return { error: `'${parsed.targetType}' is not a target type of this parameter` };
      }
      return { kind: 'local', targetType: parsed.targetType, id: parsed.targetId };
    }
    if (/^[A-Za-z0-9\-.]{1,64}$/.test(value)) {
      // a bare id: the spec's "any target type", unless narrowed by :Type or a single target
      const only = typeModifier ?? (ctx.targets?.length === 1 ? ctx.targets[0] : undefined);
      return { kind: 'local', targetType: only, id: value };
    }
    return { kind: 'url', url: value };
  },
};
