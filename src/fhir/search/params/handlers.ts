import { compositeParam } from './composite';
import { dateParam } from './date';
import { numberParam } from './number';
import { quantityParam } from './quantity';
import { referenceParam } from './reference';
import { stringParam } from './string';
import { tokenParam } from './token';
import type { ParamHandler } from './types';
import { uriParam } from './uri';

const HANDLERS: Record<string, ParamHandler> = {
  string: stringParam as ParamHandler,
  token: tokenParam as ParamHandler,
  reference: referenceParam as ParamHandler,
  date: dateParam as ParamHandler,
  number: numberParam as ParamHandler,
  quantity: quantityParam as ParamHandler,
  uri: uriParam as ParamHandler,
  composite: compositeParam as ParamHandler,
};

/** The handler of a SearchParameter type; undefined for `special` (not searchable here). */
export function handlerFor(type: string | undefined): ParamHandler | undefined {
  return type !== undefined && Object.hasOwn(HANDLERS, type) ? HANDLERS[type] : undefined;
}
