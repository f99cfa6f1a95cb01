import { Facet } from '../param-key';
import { handlerFor } from './handlers';
import { splitEscaped, type ParamHandler } from './types';

/**
 * composite: `a$b` where each part is a value of the component parameter's type, and both
 * must hold for the SAME element (e.g. the same Observation.component): component rows are
 * indexed with a shared `grp`, and the compiler joins them on (rid, grp).
 * https://hl7.org/fhir/R4/search.html#composite
 */
export interface CompositeValue {
  parts: { type: string; value: unknown }[];
}

export const compositeParam: ParamHandler<CompositeValue> = {
  table: '',
  modifiers: [],
  parseValue(text, _modifier, ctx) {
    const types = ctx.components ?? [];
    const raw = splitEscaped(text, '$');
    if (types.length === 0) return { error: 'composite parameter without components' };
    if (raw.length !== types.length) return { error: `composite value needs ${types.length} parts separated by '$'` };
    const parts: CompositeValue['parts'] = [];
    for (let i = 0; i < types.length; i++) {
      const handler = handlerFor(types[i]);
      if (!handler) return { error: `component type ${types[i]} cannot be searched` };
      const value = handler.parseValue(raw[i], undefined, ctx);
      if (value && typeof value === 'object' && 'error' in value) return { error: `part ${i + 1}: ${(value as { error: string }).error}` };
      parts.push({ type: types[i], value });
    }
    return { parts };
  },
  toSql(values, _modifier, ctx) {
    const alternatives = values.map((v) => {
      const aliases = v.parts.map(() => ctx.nextAlias('c'));
      const from = v.parts
        .map((p, i) => {
          const table = `${handlerFor(p.type)!.table} ${aliases[i]}`;
          return i === 0 ? table : `JOIN ${table} ON ${aliases[i]}.rid = ${aliases[0]}.rid AND ${aliases[i]}.grp = ${aliases[0]}.grp`;
        })
        .join(' ');
      const where = [`${aliases[0]}.rid = ${ctx.alias}.rid`];
      v.parts.forEach((p, i) => {
        where.push(`${aliases[i]}.param ${ctx.keyIn(Facet.component(i))}`);
        where.push(`(${handlerFor(p.type)!.rowCondition(p.value, aliases[i], ctx)})`);
      });
      return `EXISTS (SELECT 1 FROM ${from} WHERE ${where.join(' AND ')})`;
    });
    return alternatives.length === 1 ? alternatives[0] : `(${alternatives.join(' OR ')})`;
  },
  rowCondition() {
    return 'false';
  },
};
