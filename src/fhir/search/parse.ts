import type { DefinitionRegistry } from '../definitions/registry';
import { codeOrdinals } from './code-ordinal';
import type { Issue } from '../issue';
import { controlCharacterIn, printable } from '../control-characters';
import { badRequest, FhirError } from '../outcome';
import type { IncludeSpec, SearchRequest, SortKey, Summary, Total } from './ast';
import { commonParameter, parseCriterion } from './criteria';
import { paramKey } from './param-key';
import { isIndexed } from './supported';
import { MAX_COUNT, MAX_SEARCH_PARAMETERS, MAX_VALUES_PER_PARAMETER } from './limits';
import { splitEscaped } from './params/types';

/**
 * Query parameters → SearchRequest (https://hl7.org/fhir/R4/search.html).
 *
 * Unknown or unsupported parameters: with `Prefer: handling=strict` a 400 naming them; lenient
 * (the default) they are ignored and returned as warning issues for an OperationOutcome entry
 * (https://hl7.org/fhir/R4/search.html#errors). Malformed values, unknown prefixes and bad
 * modifiers are always a 400 naming the parameter.
 */

export const DEFAULT_COUNT = 20;

export interface ParseInput {
  /** The type in the URL; undefined for system search, where `_type` decides. */
  resourceType?: string;
  /** Compartment search: `GET /fhir/Patient/{id}/{resourceType}`. */
  compartment?: { type: string; id: string };
  /** Query (and form body) parameters in order, repeats kept. */
  params: readonly (readonly [string, string])[];
  /** `Prefer: handling=strict`. */
  strict?: boolean;
}

export interface ParseOptions {
  registry: DefinitionRegistry;
  /** Our FHIR base URL: absolute reference values on it are local. */
  baseUrl?: string;
  now?: Date;
}

/** Parameters the HTTP layer consumes; search ignores them silently. */
const TRANSPORT = new Set(['_format', '_pretty']);
const NOT_SUPPORTED = new Set(['_contained', '_containedType', '_text', '_content', '_query', '_filter', '_score']);

export function parseSearch(input: ParseInput, options: ParseOptions): { request: SearchRequest; issues: Issue[] } {
  const { registry } = options;
  checkInput(input.params);
  const issues: Issue[] = [];
  const reject = (diagnostics: string, name: string): void => {
    if (input.strict) throw new FhirError(400, [{ severity: 'error', code: 'not-supported', diagnostics, expression: [name] }]);
    issues.push({ severity: 'warning', code: 'not-supported', diagnostics: `${diagnostics} (ignored)`, expression: [name] });
  };
  const types = searchTypes(input, registry);
  const request: SearchRequest = { types, criteria: [], sort: [], count: DEFAULT_COUNT, total: 'none', include: [], revinclude: [] };
  if (input.compartment) request.compartment = checkCompartment(input, registry);
  const ctx = { registry, baseUrl: options.baseUrl, now: options.now ?? new Date() };

  for (const [name, value] of input.params) {
    const base = name.split(':')[0];
    if (TRANSPORT.has(name) || base === '_type') continue;
    if (NOT_SUPPORTED.has(base)) {
      reject(`search parameter '${base}' is not supported`, name);
      continue;
    }
    switch (base) {
      case '_sort':
        request.sort = parseSort(value, types, registry);
        continue;
      case '_count':
        request.count = parseCount(value, issues);
        continue;
      case '_total':
        request.total = oneOf(name, value, ['none', 'estimate', 'accurate']) as Total;
        continue;
      case '_summary':
        request.summary = oneOf(name, value, ['true', 'false', 'count', 'data', 'text']) as Summary;
        continue;
      case '_elements':
        request.elements = value.split(',').map((e) => e.trim()).filter(Boolean);
        continue;
      case '_include':
      case '_revinclude':
        for (const v of value.split(',')) request[base === '_include' ? 'include' : 'revinclude'].push(parseInclude(name, v, types, registry, base === '_revinclude'));
        continue;
      case '_page':
        request.page = value;
        continue;
    }
    const criterion = parseCriterion(name, value, types, ctx);
    if ('unknown' in criterion) reject(criterion.unknown, name);
    else request.criteria.push(criterion);
  }
  return { request, issues };
}

/**
 * Before anything else reads them: no control characters in names or values (criteria reach
 * this parser from query strings, form bodies, If-None-Exist and bundle entry urls alike), and
 * no more parameters or comma values than ./limits.ts allows.
 */
function checkInput(params: ParseInput['params']): void {
  let counted = 0;
  for (const [name, value] of params) {
    const control = controlCharacterIn(name) ?? controlCharacterIn(value);
    if (control) throw badRequest(`parameter '${printable(name)}' contains the control character ${control}`, [printable(name)]);
    if (TRANSPORT.has(name)) continue;
    if (++counted > MAX_SEARCH_PARAMETERS) {
      throw new FhirError(400, [{ severity: 'error', code: 'too-costly', diagnostics: `A search may have at most ${MAX_SEARCH_PARAMETERS} parameters` }]);
    }
    if (value.includes(',') && splitEscaped(value, ',').length > MAX_VALUES_PER_PARAMETER) {
      throw new FhirError(400, [
        { severity: 'error', code: 'too-costly', diagnostics: `parameter '${name}' has more than ${MAX_VALUES_PER_PARAMETER} comma-separated values`, expression: [name] },
      ]);
    }
  }
}

/**
 * The types searched: the URL's type, else `_type` (a list), less any `_type:not` list, else all
 * types. `_type:not=Patient` searches every type but Patient.
 */
function searchTypes(input: ParseInput, registry: DefinitionRegistry): string[] {
  const typeParams = input.params.filter(([n]) => n.split(':')[0] === '_type');
  for (const [name] of typeParams) {
    if (name !== '_type' && name !== '_type:not') throw badRequest(`${name}: only the :not modifier is supported on _type`, [name]);
  }
  if (input.resourceType) {
    if (!registry.isResourceType(input.resourceType)) throw badRequest(`unknown resource type '${input.resourceType}'`);
    return [input.resourceType];
  }
  const listed = (name: string): string[] => {
    const types = typeParams.filter(([n]) => n === name).flatMap(([, v]) => v.split(',').map((t) => t.trim()).filter(Boolean));
    for (const t of types) if (!registry.isResourceType(t)) throw badRequest(`${name}: unknown resource type '${t}'`, [name]);
    return types;
  };
  const included = listed('_type');
  const excluded = new Set(listed('_type:not'));
  const types = (included.length ? [...new Set(included)] : [...registry.resourceTypes()]).filter((t) => !excluded.has(t));
  if (types.length === 0) throw badRequest('_type and _type:not leave no resource type to search', ['_type']);
  return types;
}

function checkCompartment(input: ParseInput, registry: DefinitionRegistry): { type: string; id: string } {
  const { type, id } = input.compartment!;
  const def = registry.compartmentDefinition(type);
  if (!def) throw badRequest(`unknown compartment '${type}'`);
  for (const t of input.resourceType ? [input.resourceType] : []) {
    const entry = def.resource?.find((r) => r.code === t);
    if (!entry || (!entry.param?.length && t !== type)) throw badRequest(`${t} is not in the ${type} compartment`);
  }
  return { type, id };
}

function parseSort(value: string, types: string[], registry: DefinitionRegistry): SortKey[] {
  return value.split(',').map((raw) => {
    const descending = raw.startsWith('-');
    const code = descending ? raw.slice(1) : raw;
    if (code === '_id') return { kind: 'column', column: 'id', descending };
    if (code === '_lastUpdated') return { kind: 'column', column: 'last_updated', descending };
    const sp = commonParameter(types, code, registry);
    if (!sp || sp.type === 'composite' || !types.every((t) => isIndexed(registry, t, code))) {
      throw badRequest(`_sort: '${code}' is not a sortable search parameter of ${types.join(', ')}`, ['_sort']);
    }
    const ordinals = sp.type === 'token' ? codeOrdinals(registry, types, sp) : undefined;
    return { kind: 'param', code, type: sp.type as string, types, descending, ...(ordinals ? { ordinals: [...ordinals] } : {}) };
  });
}

function parseCount(value: string, issues: Issue[]): number {
  if (!/^\d+$/.test(value)) throw badRequest(`_count must be a non-negative integer, not '${value}'`, ['_count']);
  const n = Number(value);
  if (n > MAX_COUNT) {
    issues.push({ severity: 'information', code: 'informational', diagnostics: `_count limited to ${MAX_COUNT}`, expression: ['_count'] });
    return MAX_COUNT;
  }
  return n;
}

function oneOf(name: string, value: string, allowed: string[]): string {
  if (!allowed.includes(value)) throw badRequest(`${name} must be one of ${allowed.join(', ')}`, [name]);
  return value;
}

/** `Source:param[:Target]`, `Source:*` or `*`; modifier `:iterate` (`:recurse` is its R3 name). */
function parseInclude(name: string, value: string, types: string[], registry: DefinitionRegistry, reverse: boolean): IncludeSpec {
  const modifier = name.split(':')[1];
  if (modifier !== undefined && modifier !== 'iterate' && modifier !== 'recurse') {
    throw badRequest(`${name}: unknown modifier ':${modifier}'`, [name]);
  }
  const iterate = modifier !== undefined;
  if (value === '*') {
    // every reference parameter of the types searched (include) or of any type (revinclude, iterate)
    const sources = reverse || iterate ? registry.resourceTypes() : types;
    return { sourceType: '*', code: '*', iterate, keys: sources.flatMap((t) => referenceKeys(registry, t)) };
  }
  const [sourceType, code, targetType, ...extra] = value.split(':');
  if (!sourceType || !code || extra.length) throw badRequest(`${name}: '${value}' must be Type:parameter[:targetType]`, [name]);
  if (!registry.isResourceType(sourceType)) throw badRequest(`${name}: unknown resource type '${sourceType}'`, [name]);
  if (!reverse && !iterate && !types.includes(sourceType)) throw badRequest(`${name}: ${sourceType} is not searched here`, [name]);
  if (targetType !== undefined && !registry.isResourceType(targetType)) throw badRequest(`${name}: unknown resource type '${targetType}'`, [name]);
  if (code !== '*') {
    const sp = registry.searchParameter(sourceType, code);
    if (!sp || sp.type !== 'reference') throw badRequest(`${name}: '${code}' is not a reference parameter of ${sourceType}`, [name]);
    if (targetType && sp.target?.length && !(sp.target as string[]).includes(targetType)) {
      throw badRequest(`${name}: ${targetType} is not a target of ${sourceType}.${code}`, [name]);
    }
  }
  const keys = code === '*' ? referenceKeys(registry, sourceType) : [paramKey(sourceType, code)];
  return { sourceType, code, targetType, iterate, keys };
}

function referenceKeys(registry: DefinitionRegistry, type: string): number[] {
  return registry
    .searchParameters(type)
    .filter((sp) => sp.type === 'reference' && isIndexed(registry, type, sp.code as string))
    .map((sp) => paramKey(type, sp.code as string));
}
