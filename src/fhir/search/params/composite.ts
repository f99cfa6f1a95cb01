import { handlerFor } from './handlers';
import { splitEscaped, type ParamHandler } from './types';

/**
 * composite: `a$b` where each part is a value of the component parameter's type, and both
 * must hold for the SAME element (e.g. the same Observation.component).
 * https://hl7.org/fhir/R4/search.html#composite
 */
export interface CompositeValue {
  parts: { type: string; value: unknown }[];
}

export const compositeParam: ParamHandler<CompositeValue> = {
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
};
