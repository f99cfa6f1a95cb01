import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import type { DefinitionRegistry } from '../../../../src/fhir/definitions/registry';
import { stringParam, type StringValue } from '../../../../src/fhir/search/params/string';
import { tokenParam, type TokenValue } from '../../../../src/fhir/search/params/token';
import { uriParam } from '../../../../src/fhir/search/params/uri';
import { escapeLike, stringCondition } from '../../../../src/store/search/conditions/string';
import { tokenSql } from '../../../../src/store/search/conditions/token';
import { SqlBuilder } from '../../../../src/store/search/sql-builder';

let registry: DefinitionRegistry;
beforeAll(() => {
  registry = loadDefinitions();
});

const now = new Date('2026-06-01T00:00:00Z');

describe('search conditions: parsed values in fhir/search, their SQL in the store', () => {
  it('escapes LIKE wildcards', () => {
    expect(escapeLike('50%_a\\b')).toBe('50\\%\\_a\\\\b');
  });

  it('parses a string value with its folded form, which the SQL compares as a literal prefix', () => {
    const value = stringParam.parseValue('JØRGEN_50%', undefined, { registry, now }) as StringValue;
    expect(value).toEqual({ text: 'JØRGEN_50%', folded: 'joergen_50%' });
    const b = new SqlBuilder();
    expect(stringCondition(value, undefined, 'x', b)).toBe('x.norm LIKE $1');
    expect(stringCondition(value, 'exact', 'x', b)).toBe('(x.norm = $2 AND x.value = $3)');
    expect(b.values).toEqual(['joergen\\_50\\%%', 'joergen_50%', 'JØRGEN_50%']);
  });

  it('folds a token :text value at parse time as a string value', () => {
    expect(tokenParam.parseValue('Blodtryk Ø', 'text', { registry, now })).toEqual({ kind: 'text', text: 'Blodtryk Ø', folded: 'blodtryk oe' });
  });

  it('decides at parse time whether a uri has a path hierarchy (URLs do, URNs do not)', () => {
    expect(uriParam.parseValue('http://acme.org/fhir', 'below', { registry, now })).toEqual({ uri: 'http://acme.org/fhir', hierarchical: true });
    expect(uriParam.parseValue('urn:oid:1.2', 'below', { registry, now })).toEqual({ uri: 'urn:oid:1.2', hierarchical: false });
  });

  it('compiles :not on a token to the negated match of any row', () => {
    const value = tokenParam.parseValue('http://hl7.org/fhir/administrative-gender|male', 'not', { registry, now }) as TokenValue;
    const b = new SqlBuilder();
    const sql = tokenSql.toSql([value], 'not', b.context('r', ['Patient'], 'gender'));
    expect(sql).toBe('NOT EXISTS (SELECT 1 FROM search_token x1 WHERE x1.rid = r.rid AND x1.param = $1::integer AND (x1.value = $2 AND (x1.system = $3 OR x1.system IS NULL)))');
    expect(b.values.slice(1)).toEqual(['male', 'http://hl7.org/fhir/administrative-gender']);
  });
});
