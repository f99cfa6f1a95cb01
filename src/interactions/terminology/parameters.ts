import type { CodeableConcept, Coding, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome';
import { checkResourceBody } from '../resource-input';
import type { InteractionDeps, InteractionResult } from '../types';

/**
 * The input parameters of a terminology operation: from the query string (GET, primitive
 * parameters only) or from a Parameters body (POST). https://hl7.org/fhir/R4/operations.html#request
 */
export interface OperationInput {
  /** A primitive parameter as text (any value[x] of a Parameters entry), or undefined. */
  text(name: string): string | undefined;
  /** A resource parameter (POST only). */
  resource(name: string): Resource | undefined;
  coding(name: string): Coding | undefined;
  codeableConcept(name: string): CodeableConcept | undefined;
}

export function operationInput(
  deps: Pick<InteractionDeps, 'validator'>,
  { method, query, body }: { method: 'GET' | 'POST'; query: Record<string, string | string[] | undefined>; body: unknown },
): OperationInput {
  if (method === 'POST') {
    // validated as a whole (the resources it carries included), so what is read below is well-formed
    const params = checkResourceBody(deps, 'Parameters', body) as Parameters;
    const find = (name: string): ParametersParameter | undefined => (params.parameter ?? []).find((p) => p.name === name);
    return {
      text: (name) => primitive(find(name)),
      resource: (name) => find(name)?.resource,
      coding: (name) => find(name)?.valueCoding,
      codeableConcept: (name) => find(name)?.valueCodeableConcept,
    };
  }
  const text = (name: string): string | undefined => {
    const v = query[name];
    if (Array.isArray(v)) throw badRequest(`parameter '${name}' may be given once`, [name]);
    return v === '' ? undefined : v;
  };
  return {
    text,
    resource: () => undefined,
    coding: (name) => {
      // GET carries a Coding as system|code (a token), as servers commonly accept
      const v = text(name);
      if (v === undefined) return undefined;
      const bar = v.lastIndexOf('|');
      return bar < 0 ? { code: v } : { system: v.slice(0, bar) || undefined, code: v.slice(bar + 1) };
    },
    codeableConcept: () => undefined,
  };
}

function primitive(p: ParametersParameter | undefined): string | undefined {
  if (!p) return undefined;
  for (const [key, value] of Object.entries(p)) {
    if (key.startsWith('value') && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) return String(value);
  }
  return undefined;
}

/** A whole number parameter ≥ 0 (`count`, `offset`), or 400. */
export function wholeNumber(input: OperationInput, name: string): number | undefined {
  const v = input.text(name);
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw badRequest(`${name} must be a whole number ≥ 0, got '${v}'`, [name]);
  return Number(v);
}

/** The output Parameters of an operation; entries with an undefined value are left out. */
export function outputParameters(entries: Array<ParametersParameter | undefined>): Parameters {
  return { resourceType: 'Parameters', parameter: entries.filter((e): e is ParametersParameter => e !== undefined) };
}

/** The answer of a `$validate-code`: `result`, with `message` when not valid and the code's `display` when known. */
export function validationResult(result: boolean, message: string | undefined, display?: string): InteractionResult {
  return {
    status: 200,
    body: outputParameters([
      { name: 'result', valueBoolean: result },
      message !== undefined ? { name: 'message', valueString: message } : undefined,
      display !== undefined ? { name: 'display', valueString: display } : undefined,
    ]),
  };
}
