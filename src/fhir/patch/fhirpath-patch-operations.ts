// https://hl7.org/fhir/R4/fhirpatch.html: a Parameters resource, one `operation` per change
import { badRequest } from '../outcome';

/** A value to write, with the datatype its part named (`valueQuantity` → `Quantity`), if any. */
export interface PatchValue {
  value: unknown;
  type?: string;
}

export type FhirPathPatchOperation =
  | { type: 'add'; path: string; name: string; value: PatchValue }
  | { type: 'insert'; path: string; index: number; value: PatchValue }
  | { type: 'delete'; path: string }
  | { type: 'replace'; path: string; value: PatchValue }
  | { type: 'move'; path: string; source: number; destination: number };

interface Part {
  name?: unknown;
  part?: Part[];
  resource?: unknown;
  [key: string]: unknown;
}

/** Parse a FHIRPath Patch Parameters resource into operations; malformed → 400 naming the parameter. */
export function parseFhirPathPatch(body: unknown): FhirPathPatchOperation[] {
  const params = body as { resourceType?: unknown; parameter?: unknown };
  if (params?.resourceType !== 'Parameters') throw badRequest('A FHIRPath Patch must be a Parameters resource');
  if (!Array.isArray(params.parameter) || params.parameter.length === 0) {
    throw badRequest('FHIRPath Patch Parameters has no operation', ['Parameters.parameter']);
  }
  return (params.parameter as Part[]).map((p, i) => parseOperation(p, `Parameters.parameter[${i}]`));
}

function parseOperation(p: Part, where: string): FhirPathPatchOperation {
  if (p?.name !== 'operation' || !Array.isArray(p.part)) {
    throw badRequest(`${where} must be an 'operation' with parts`, [where]);
  }
  const parts = new Map<string, Part>();
  for (const part of p.part) {
    if (typeof part?.name !== 'string') throw badRequest(`${where} has a part without a name`, [where]);
    if (parts.has(part.name)) throw badRequest(`${where} repeats the part '${part.name}'`, [where]);
    parts.set(part.name, part);
  }
  const str = (name: string): string => {
    const v = primitiveOf(parts.get(name));
    if (typeof v !== 'string' || v === '') throw badRequest(`${where}: operation needs a '${name}' string`, [where]);
    return v;
  };
  const int = (name: string): number => {
    const v = primitiveOf(parts.get(name));
    if (!Number.isInteger(v) || (v as number) < 0) throw badRequest(`${where}: operation needs a non-negative integer '${name}'`, [where]);
    return v as number;
  };
  const value = (): PatchValue => {
    const part = parts.get('value');
    if (!part) throw badRequest(`${where}: operation needs a 'value'`, [where]);
    const key = valueKey(part);
    return { value: valueOf(part, `${where}.part.value`), ...(key ? { type: key.slice(5) } : {}) };
  };
  const type = primitiveOf(parts.get('type'));
  const path = str('path');
  switch (type) {
    case 'add':
      return { type, path, name: str('name'), value: value() };
    case 'insert':
      return { type, path, index: int('index'), value: value() };
    case 'delete':
      return { type, path };
    case 'replace':
      return { type, path, value: value() };
    case 'move':
      return { type, path, source: int('source'), destination: int('destination') };
    default:
      throw badRequest(`${where}: operation type must be add, insert, delete, replace or move`, [where]);
  }
}

/** The value[x] of a part, if it has one. */
function primitiveOf(part: Part | undefined): unknown {
  const key = part && valueKey(part);
  return key ? part[key] : undefined;
}

function valueKey(part: Part): string | undefined {
  return Object.keys(part).find((k) => /^value[A-Z]/.test(k));
}

/**
 * A part's value: `value[x]`, a `resource`, or (for elements with no datatype of their own,
 * such as backbone elements) nested parts, each part a property; a repeated name is a list.
 */
function valueOf(part: Part, where: string): unknown {
  const key = valueKey(part);
  if (key) return part[key];
  if (part.resource !== undefined) return part.resource;
  if (Array.isArray(part.part)) {
    const out: Record<string, unknown> = {};
    for (const child of part.part) {
      if (typeof child?.name !== 'string') throw badRequest(`${where} has a part without a name`, [where]);
      const v = valueOf(child, `${where}.part.${child.name}`);
      const prior = out[child.name];
      out[child.name] = prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v];
    }
    return out;
  }
  throw badRequest(`${where} has no value[x], resource or parts`, [where]);
}
