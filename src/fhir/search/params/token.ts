import type { CodeSystem, CodeSystemConcept } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../../definitions/registry';
import { Facet } from '../param-key';
import { stringCondition, stringParam } from './string';
import { expandValueSet, type Expansion } from './value-set';
import { existsRow, splitEscaped, unescapeValue, type ParamHandler, type SqlContext } from './types';

/**
 * token: `code`, `system|code`, `|code` (no system), `system|` (any code of the system);
 * `:not` (no value matches, so resources without a value match too), `:text` (prefix on
 * Coding.display / CodeableConcept.text / Identifier.type.text), `:of-type`
 * (`typeSystem|typeCode|value` on Identifiers), `:in` / `:not-in` (ValueSets the server holds).
 * Codes and identifiers compare case-sensitively. https://hl7.org/fhir/R4/search.html#token
 */
export type TokenValue =
  /** `implied`: the system is a code system the server holds that defines `code`, so a `code` element's value (indexed without a system) matches too */
  | { kind: 'code'; system?: string | null; code?: string; implied?: boolean }
  | { kind: 'text'; text: string }
  | { kind: 'of-type'; typeSystem: string; typeCode: string; value: string }
  | { kind: 'in'; expansion: Expansion };

export const tokenParam: ParamHandler<TokenValue> = {
  table: 'search_token',
  modifiers: ['not', 'text', 'of-type', 'in', 'not-in'],
  parseValue(text, modifier, ctx) {
    if (text.length === 0) return { error: 'empty token value' };
    if (modifier === 'text') return { kind: 'text', text: unescapeValue(text) };
    if (modifier === 'in' || modifier === 'not-in') {
      const expansion = expandValueSet(unescapeValue(text), ctx.registry);
      return 'error' in expansion ? expansion : { kind: 'in', expansion };
    }
    const parts = splitEscaped(text, '|').map(unescapeValue);
    if (modifier === 'of-type') {
      if (parts.length !== 3 || parts.some((p) => p.length === 0)) return { error: ':of-type needs system|code|value' };
      return { kind: 'of-type', typeSystem: parts[0], typeCode: parts[1], value: parts[2] };
    }
    if (parts.length === 1) return { kind: 'code', code: parts[0] };
    if (parts.length > 2) return { error: `token '${text}' has more than one '|'` };
    const [system, code] = parts;
    if (!system && !code) return { error: `token '|' has neither system nor code` };
    const implied = Boolean(system && code && definesCode(ctx.registry, system, code));
    return { kind: 'code', system: system === '' ? null : system, code: code === '' ? undefined : code, ...(implied ? { implied } : {}) };
  },
  toSql(values, modifier, ctx) {
    if (modifier === 'text') {
      return existsRow(stringParam.table, ctx, (x) => values.map((v) => stringCondition(v as { text: string }, undefined, x, ctx)).join(' OR '), Facet.text);
    }
    if (modifier === 'of-type') {
      return existsRow(this.table, ctx, (x) => values.map((v) => ofTypeCondition(v, x, ctx)).join(' OR '), Facet.ofType);
    }
    const positive = existsRow(this.table, ctx, (x) => values.map((v) => this.rowCondition(v, x, ctx)).join(' OR '));
    return modifier === 'not' || modifier === 'not-in' ? `NOT ${positive}` : positive;
  },
  rowCondition(v, x, ctx) {
    if (v.kind === 'in') return inCondition(v.expansion, x, ctx);
    if (v.kind !== 'code') return 'false';
    const conditions: string[] = [];
    if (v.code !== undefined) conditions.push(`${x}.value = ${ctx.bind(v.code)}`);
    if (v.system === null) conditions.push(`${x}.system IS NULL`);
    // a `code` element is indexed without its (implied) system: `http://hl7.org/fhir/document-relationship-type|replaces` finds relatesTo.code `replaces`
    else if (v.system !== undefined && v.implied) conditions.push(`(${x}.system = ${ctx.bind(v.system)} OR ${x}.system IS NULL)`);
    else if (v.system !== undefined) conditions.push(`${x}.system = ${ctx.bind(v.system)}`);
    return conditions.join(' AND ');
  },
  sort: { asc: (x) => `min(${x}.value)`, desc: (x) => `max(${x}.value)`, cast: 'text' },
};

/** The codes of a CodeSystem, per CodeSystem object (a stored CodeSystem that changes is a new object). */
const definedCodes = new WeakMap<CodeSystem, ReadonlySet<string>>();

/** Whether the registry holds the CodeSystem `system` and it defines `code`. */
function definesCode(registry: DefinitionRegistry, system: string, code: string): boolean {
  const cs = registry.codeSystem(system);
  if (!cs) return false;
  let codes = definedCodes.get(cs);
  if (!codes) {
    const collected = new Set<string>();
    const walk = (concepts: readonly CodeSystemConcept[] | undefined): void => {
      for (const c of concepts ?? []) {
        if (c.code) collected.add(c.code);
        walk(c.concept);
      }
    };
    walk(cs.concept);
    definedCodes.set(cs, (codes = collected));
  }
  return codes.has(code);
}

function ofTypeCondition(v: TokenValue, x: string, ctx: SqlContext): string {
  if (v.kind !== 'of-type') return 'false';
  return `(${x}.system = ${ctx.bind(v.typeSystem)} AND ${x}.value = ${ctx.bind(`${v.typeCode}|${v.value}`)})`;
}

function inCondition(e: Expansion, x: string, ctx: SqlContext): string {
  const parts: string[] = [];
  if (e.codes.length) {
    const systems = ctx.bind(e.codes.map((c) => c.system), 'text[]');
    const codes = ctx.bind(e.codes.map((c) => c.code), 'text[]');
    parts.push(`(${x}.system, ${x}.value) IN (SELECT * FROM unnest(${systems}, ${codes}))`);
  }
  if (e.systems.length) parts.push(`${x}.system = ANY(${ctx.bind(e.systems, 'text[]')})`);
  return parts.length ? `(${parts.join(' OR ')})` : 'false';
}
