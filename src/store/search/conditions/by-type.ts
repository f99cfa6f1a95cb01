import { compositeSql } from './composite';
import type { ConditionSql } from './condition-sql';
import { dateSql } from './date';
import { numberSql } from './number';
import { quantitySql } from './quantity';
import { referenceSql } from './reference';
import { stringSql } from './string';
import { tokenSql } from './token';
import { uriSql } from './uri';

const BY_TYPE: Record<string, ConditionSql> = {
  string: stringSql as ConditionSql,
  token: tokenSql as ConditionSql,
  reference: referenceSql as ConditionSql,
  date: dateSql as ConditionSql,
  number: numberSql as ConditionSql,
  quantity: quantitySql as ConditionSql,
  uri: uriSql as ConditionSql,
  composite: compositeSql as ConditionSql,
};

/**
 * The SQL of a SearchParameter type. Only types the parser accepts reach the store (see
 * ../../../fhir/search/params/handlers.ts), so another type is a programming error.
 */
export function conditionSqlFor(type: string): ConditionSql {
  if (!Object.hasOwn(BY_TYPE, type)) throw new Error(`no SQL for search parameter type ${type}`);
  return BY_TYPE[type];
}
