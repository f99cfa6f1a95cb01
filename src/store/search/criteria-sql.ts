import type { Criterion } from '../../fhir/search/ast';
import { paramKey } from '../../fhir/search/param-key';
import { conditionSqlFor } from './conditions/by-type';
import { instantCondition } from './conditions/date';
import { referenceSql } from './conditions/reference';
import type { AccessFilter, SqlBuilder } from './sql-builder';

/**
 * Criterion → SQL boolean on the `resource` row aliased `alias`. Every criterion is an
 * EXISTS over an index table correlated on rid, which PostgreSQL plans as a semi-join driven
 * by whichever side is most selective. Chains and `_has` join through `resource` so deleted
 * and (via the access filter) invisible resources never match.
 */
export function criterionSql(c: Criterion, alias: string, b: SqlBuilder, access?: AccessFilter): string {
  switch (c.kind) {
    case 'param':
      return conditionSqlFor(c.type).toSql(c.values, c.modifier, b.context(alias, c.types, c.code));
    case 'missing': {
      const x = b.nextAlias('x');
      const ctx = b.context(alias, c.types, c.code);
      const exists = `EXISTS (SELECT 1 FROM ${conditionSqlFor(c.type).table} ${x} WHERE ${x}.rid = ${alias}.rid AND ${x}.param ${ctx.keyIn()})`;
      return c.missing ? `NOT ${exists}` : exists;
    }
    case 'id': {
      const match = `${alias}.id = ANY(${b.bind(c.ids, 'text[]')})`;
      return c.not ? `NOT ${match}` : match;
    }
    case 'lastUpdated': {
      const ctx = b.context(alias, [], '');
      return `(${c.values.map((v) => instantCondition(v, `${alias}.last_updated`, ctx)).join(' OR ')})`;
    }
    case 'chain': {
      const x = b.nextAlias('x');
      const t = b.nextAlias('t');
      const ctx = b.context(alias, c.types, c.code);
      const where = [
        `${x}.rid = ${alias}.rid`,
        `${x}.param ${ctx.keyIn()}`,
        `${x}.target_type = ANY(${b.bind(c.targetTypes, 'text[]')})`,
        `NOT ${t}.deleted`,
        ...(access ? [`(${access(t, b.bind)})`] : []),
        criterionSql(c.next, t, b, access),
      ];
      return `EXISTS (SELECT 1 FROM ${referenceSql.table} ${x} JOIN resource ${t} ON ${t}.resource_type = ${x}.target_type AND ${t}.id = ${x}.target_id WHERE ${where.join(' AND ')})`;
    }
    case 'has': {
      const x = b.nextAlias('x');
      const s = b.nextAlias('s');
      const where = [
        `${x}.param = ${b.bind(paramKey(c.sourceType, c.code), 'integer')}`,
        `${x}.target_type = ${alias}.resource_type`,
        `${x}.target_id = ${alias}.id`,
        `NOT ${s}.deleted`,
        ...(access ? [`(${access(s, b.bind)})`] : []),
        criterionSql(c.next, s, b, access),
      ];
      return `EXISTS (SELECT 1 FROM ${referenceSql.table} ${x} JOIN resource ${s} ON ${s}.rid = ${x}.rid WHERE ${where.join(' AND ')})`;
    }
  }
}
