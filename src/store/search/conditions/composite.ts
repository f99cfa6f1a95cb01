import { Facet } from '../../../fhir/search/param-key';
import type { CompositeValue } from '../../../fhir/search/params/composite';
import { conditionSqlFor } from './by-type';
import type { ConditionSql } from './condition-sql';

/**
 * composite: every part must hold for the SAME element (e.g. the same Observation.component):
 * component rows are indexed with a shared `grp`, so the parts' rows are joined on (rid, grp).
 * https://hl7.org/fhir/R4/search.html#composite
 */
export const compositeSql: ConditionSql<CompositeValue> = {
  table: '',
  toSql(values, _modifier, ctx) {
    const alternatives = values.map((v) => {
      const aliases = v.parts.map(() => ctx.nextAlias('c'));
      const from = v.parts
        .map((p, i) => {
          const table = `${conditionSqlFor(p.type).table} ${aliases[i]}`;
          return i === 0 ? table : `JOIN ${table} ON ${aliases[i]}.rid = ${aliases[0]}.rid AND ${aliases[i]}.grp = ${aliases[0]}.grp`;
        })
        .join(' ');
      const where = [`${aliases[0]}.rid = ${ctx.alias}.rid`];
      v.parts.forEach((p, i) => {
        where.push(`${aliases[i]}.param ${ctx.keyIn(Facet.component(i))}`);
        where.push(`(${conditionSqlFor(p.type).rowCondition(p.value, aliases[i], ctx)})`);
      });
      return `EXISTS (SELECT 1 FROM ${from} WHERE ${where.join(' AND ')})`;
    });
    return alternatives.length === 1 ? alternatives[0] : `(${alternatives.join(' OR ')})`;
  },
  rowCondition() {
    return 'false';
  },
};
