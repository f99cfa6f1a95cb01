import type { Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcome';

/** One declared input parameter: its name, FHIR type and cardinality, as the OperationDefinition says. */
export interface InputParameter {
  name: string;
  type: 'Reference' | 'string' | 'dateTime' | 'integer' | 'boolean' | 'Coding' | 'Period' | 'Identifier' | 'resource';
  min: 0 | 1;
  max: '1' | '*';
  /** For `resource`: the resource type it must be. */
  resourceType?: string;
}

/** An input value as read: a reference's text, a primitive's text, or the complex value / resource. */
export type InputValue = string | Resource | Record<string, unknown>;

/**
 * The inputs of an operation, from a Parameters body (POST) or the query string (GET, primitive and
 * Reference parameters only), checked against the declared parameters: an undeclared name, a value
 * of the wrong type, a missing required one or a repeat of a single one is a 400. Only the names
 * given are returned.
 */
export function readInputs(declared: readonly InputParameter[], body: unknown, query: Record<string, string | string[] | undefined> = {}): Map<string, InputValue[]> {
  const values = new Map<string, InputValue[]>();
  const add = (name: string, value: InputValue) => values.set(name, [...(values.get(name) ?? []), value]);
  const byName = new Map(declared.map((p) => [p.name, p]));
  const hasBody = body !== undefined && body !== null && body !== '';
  if (hasBody) {
    const params = body as Parameters;
    if (typeof params !== 'object' || params.resourceType !== 'Parameters') throw badRequest('The body must be a Parameters resource');
    for (const [i, p] of (params.parameter ?? []).entries()) {
      const decl = byName.get(p.name as string);
      if (!decl) throw badRequest(`Unknown parameter '${p.name}'; this operation takes ${declared.map((d) => d.name).join(', ')}`, [`Parameters.parameter[${i}]`]);
      add(decl.name, valueOf(decl, p, `Parameters.parameter[${i}]`));
    }
  }
  for (const [name, raw] of Object.entries(query)) {
    if (raw === undefined || name.startsWith('_format')) continue;
    const decl = byName.get(name);
    if (!decl) throw badRequest(`Unknown parameter '${name}'; this operation takes ${declared.map((d) => d.name).join(', ')}`, [name]);
    if (!['Reference', 'string', 'dateTime', 'integer', 'boolean'].includes(decl.type)) throw badRequest(`${name} is a ${decl.type}: give it in a Parameters body`, [name]);
    for (const v of Array.isArray(raw) ? raw : [raw]) add(name, checkPrimitive(decl, v, name));
  }
  for (const decl of declared) {
    const n = values.get(decl.name)?.length ?? 0;
    if (n < decl.min) throw badRequest(`${decl.name} is required`, [decl.name]);
    if (decl.max === '1' && n > 1) throw badRequest(`${decl.name} may be given once`, [decl.name]);
  }
  return values;
}

function valueOf(decl: InputParameter, p: ParametersParameter, at: string): InputValue {
  const wrong = () => badRequest(`${decl.name} must be a ${decl.resourceType ?? decl.type}`, [at]);
  switch (decl.type) {
    case 'resource':
      if (!p.resource || (decl.resourceType && p.resource.resourceType !== decl.resourceType)) throw wrong();
      return p.resource;
    case 'Reference': {
      // a FUT client sends valueReference; valueString and valueUri carry the same text
      const text = p.valueReference?.reference ?? p.valueString ?? p.valueUri;
      if (typeof text !== 'string') throw wrong();
      return text;
    }
    case 'string':
      if (typeof (p.valueString ?? p.valueReference?.reference) !== 'string') throw wrong();
      return (p.valueString ?? p.valueReference?.reference) as string;
    case 'dateTime': {
      const text = p.valueDateTime ?? p.valueDate ?? p.valueInstant;
      if (typeof text !== 'string') throw wrong();
      return checkPrimitive(decl, text, at);
    }
    case 'integer':
      if (!Number.isInteger(p.valueInteger ?? p.valuePositiveInt)) throw wrong();
      return String(p.valueInteger ?? p.valuePositiveInt);
    case 'boolean':
      if (typeof p.valueBoolean !== 'boolean') throw wrong();
      return String(p.valueBoolean);
    case 'Coding':
      if (!p.valueCoding) throw wrong();
      return p.valueCoding as Record<string, unknown>;
    case 'Period':
      if (!p.valuePeriod) throw wrong();
      return p.valuePeriod as Record<string, unknown>;
    case 'Identifier':
      if (!p.valueIdentifier) throw wrong();
      return p.valueIdentifier as Record<string, unknown>;
  }
}

const DATE_TIME = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

function checkPrimitive(decl: InputParameter, text: string, at: string): string {
  if (decl.type === 'dateTime' && (!DATE_TIME.test(text) || Number.isNaN(Date.parse(text.length === 4 ? `${text}-01-01` : text)))) throw badRequest(`${decl.name} must be a dateTime, got '${text}'`, [at]);
  if (decl.type === 'integer' && !/^-?\d+$/.test(text)) throw badRequest(`${decl.name} must be an integer, got '${text}'`, [at]);
  if (decl.type === 'boolean' && text !== 'true' && text !== 'false') throw badRequest(`${decl.name} must be true or false, got '${text}'`, [at]);
  return text;
}

/** The one text value of a parameter (Reference, string, dateTime, integer, boolean), if given. */
export function one(values: Map<string, InputValue[]>, name: string): string | undefined {
  const v = values.get(name)?.[0];
  return typeof v === 'string' ? v : undefined;
}

/** Every text value of a repeating parameter. */
export function all(values: Map<string, InputValue[]>, name: string): string[] {
  return (values.get(name) ?? []).filter((v): v is string => typeof v === 'string');
}
