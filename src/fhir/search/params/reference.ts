import { Facet } from '../param-key';
import { parseReferenceText } from '../reference-text';
import { tokenParam, type TokenValue } from './token';
import { existsRow, unescapeValue, type ParamHandler, type SqlContext } from './types';

/**
 * reference: `Type/id`, `id` (any allowed target type, or the `:Type` modifier's), an absolute
 * URL on our base (treated as local), any other URL or canonical (`url|version` too), and
 * `:identifier` (token on Reference.identifier). Chains and `_has` are compiled by the compiler.
 * https://hl7.org/fhir/R4/search.html#reference
 */
export type ReferenceValue =
  | { kind: 'local'; targetType?: string; id: string }
  | { kind: 'url'; url: string }
  | { kind: 'identifier'; token: TokenValue };

export const referenceParam: ParamHandler<ReferenceValue> = {
  table: 'search_reference',
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
  toSql(values, modifier, ctx) {
    if (modifier === 'identifier') {
      return existsRow(tokenParam.table, ctx, (x) => values.map((v) => identifierCondition(v, x, ctx)).join(' OR '), Facet.identifier);
    }
    return existsRow(this.table, ctx, (x) => values.map((v) => this.rowCondition(v, x, ctx)).join(' OR '));
  },
  rowCondition(v, x, ctx) {
    if (v.kind === 'url') return `${x}.url = ${ctx.bind(v.url)}`;
    if (v.kind !== 'local') return 'false';
    const id = `${x}.target_id = ${ctx.bind(v.id)}`;
    return v.targetType ? `(${id} AND ${x}.target_type = ${ctx.bind(v.targetType)})` : id;
  },
  sort: { asc: (x) => `min(${x}.target_type || '/' || ${x}.target_id)`, desc: (x) => `max(${x}.target_type || '/' || ${x}.target_id)`, cast: 'text' },
};

function identifierCondition(v: ReferenceValue, x: string, ctx: SqlContext): string {
  return v.kind === 'identifier' ? tokenParam.rowCondition(v.token, x, ctx) : 'false';
}
