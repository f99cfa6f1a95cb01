import type { CodeSystem, CodeSystemConcept } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../../definitions/registry';
import { stringValue, type StringValue } from './string';
import { expandValueSet, type Expansion } from './value-set';
import { splitEscaped, unescapeValue, type ParamHandler } from './types';

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
  | ({ kind: 'text' } & StringValue)
  | { kind: 'of-type'; typeSystem: string; typeCode: string; value: string }
  | { kind: 'in'; expansion: Expansion };

export const tokenParam: ParamHandler<TokenValue> = {
  modifiers: ['not', 'text', 'of-type', 'in', 'not-in'],
  parseValue(text, modifier, ctx) {
    if (text.length === 0) return { error: 'empty token value' };
    if (modifier === 'text') return { kind: 'text', ...stringValue(unescapeValue(text)) };
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
