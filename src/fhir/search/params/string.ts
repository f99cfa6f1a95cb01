import { foldQuery } from '../normalize';
import { unescapeValue, type ParamHandler } from './types';

/**
 * string: starts-with on the folded form by default, `:exact` on the original text, `:contains`
 * anywhere in the folded form (https://hl7.org/fhir/R4/search.html#string; folding in
 * ../normalize.ts).
 */
export interface StringValue {
  /** The value as written (for `:exact`). */
  text: string;
  /** The value folded for case- and accent-insensitive comparison. */
  folded: string;
}

export const stringParam: ParamHandler<StringValue> = {
  modifiers: ['exact', 'contains'],
  parseValue(text) {
    const value = unescapeValue(text);
    return value.length === 0 ? { error: 'empty string value' } : stringValue(value);
  },
};

/** A string search value with its folded form (also token `:text`). */
export function stringValue(text: string): StringValue {
  return { text, folded: foldQuery(text) };
}
