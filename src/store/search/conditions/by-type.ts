import type { ParamValues } from '../../../fhir/search/ast';
import { compositeSql } from './composite';
import type { ConditionSql } from './condition-sql';
import { dateSql } from './date';
import { numberSql } from './number';
import { quantitySql } from './quantity';
import { referenceSql } from './reference';
import { stringSql } from './string';
import { tokenSql } from './token';
import { uriSql } from './uri';

/** Each type's SQL takes that type's parsed values. */
const BY_TYPE: { readonly [T in keyof ParamValues]: ConditionSql<ParamValues[T]> } = {
  string: stringSql,
  token: tokenSql,
  reference: referenceSql,
  date: dateSql,
  number: numberSql,
  quantity: quantitySql,
  uri: uriSql,
  composite: compositeSql,
};

/**
 * The SQL of a SearchParameter type. Only types the parser accepts reach the store (see
 * ../../../fhir/search/params/handlers.ts), so another type is a programming error.
 */
export function conditionSqlFor(type: string): ConditionSql {
  if (!Object.hasOwn(BY_TYPE, type)) throw new Error(`no SQL for search parameter type ${type}`);
  return BY_TYPE[type as keyof ParamValues] as ConditionSql;
}
