import type { Issue } from '../issue';
import type { ValueSetExpander } from '../terminology/expand';
import { show } from './pattern';

/**
 * Terminology bindings. https://hl7.org/fhir/R4/terminologies.html#strength
 * required → error when the code is not in the expansion; extensible → warning. A required
 * value set the server cannot expand is reported as a warning that the code was not checked,
 * never as an error. Codings without a code, and Quantity/string bindings, are not checked.
 */

export interface Binding {
  readonly strength: string;
  readonly valueSet: string;
}

type Coded = { system?: unknown; code?: unknown };

export function checkBinding(value: unknown, type: string, binding: Binding, expander: ValueSetExpander, expression: string): Issue | undefined {
  let codings: Coded[];
  let bareCode: string | undefined;
  if (type === 'code' && typeof value === 'string') bareCode = value;
  else if (type === 'Coding' || type === 'Quantity') codings = [value as Coded];
  else if (type === 'CodeableConcept') codings = ((value as { coding?: Coded[] }).coding ?? []).filter((c) => c && typeof c === 'object');
  else return undefined;
  if (type === 'Quantity' && (value as Coded).code === undefined) return undefined;
  const required = binding.strength === 'required';
  const expansion = expander.expand(binding.valueSet);
  if (!expansion) {
    if (!required) return undefined;
    return {
      severity: 'warning',
      code: 'not-supported',
      diagnostics: `${expression}: the required value set ${binding.valueSet} cannot be expanded on this server; the code was not checked`,
      expression: [expression],
    };
  }
  let ok: boolean;
  if (bareCode !== undefined) {
    ok = expansion.hasCode(bareCode);
  } else {
    const coded = codings!.filter((c) => typeof c.code === 'string');
    // text-only concepts carry no code to check; a required binding still needs one
    if (coded.length === 0 && (type !== 'CodeableConcept' || !required)) return undefined;
    ok = coded.some((c) => expansion.has(typeof c.system === 'string' ? c.system : undefined, c.code as string));
  }
  if (ok) return undefined;
  const what = bareCode !== undefined ? `'${bareCode}'` : show(codings!.map((c) => `${String(c.system)}|${String(c.code)}`));
  return {
    severity: required ? 'error' : 'warning',
    code: 'code-invalid',
    diagnostics: `${expression}: ${what} is not in the ${binding.strength} value set ${binding.valueSet}`,
    expression: [expression],
  };
}
