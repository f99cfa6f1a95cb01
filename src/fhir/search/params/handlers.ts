import type { ParamValues } from '../ast';
import { compositeParam } from './composite';
import { dateParam } from './date';
import { numberParam } from './number';
import { quantityParam } from './quantity';
import { referenceParam } from './reference';
import { stringParam } from './string';
import { tokenParam } from './token';
import type { ParamHandler } from './types';
import { uriParam } from './uri';

/** Each type's parser gives that type's values (../ast.ts `ParamValues`). */
const HANDLERS: { readonly [T in keyof ParamValues]: ParamHandler<ParamValues[T]> } = {
  string: stringParam,
  token: tokenParam,
  reference: referenceParam,
  date: dateParam,
  number: numberParam,
  quantity: quantityParam,
  uri: uriParam,
  composite: compositeParam,
};

/** The handler of a SearchParameter type; undefined for `special` (not searchable here). */
export function handlerFor(type: string | undefined): ParamHandler | undefined {
  return type !== undefined && Object.hasOwn(HANDLERS, type) ? (HANDLERS[type as keyof ParamValues] as ParamHandler) : undefined;
}
