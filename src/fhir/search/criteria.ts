import type { SearchParameter } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../definitions/registry';
import { badRequest } from '../outcome';
import type { Criterion, ParamCriterion } from './ast';
import { dateParam, type DateValue } from './params/date';
import { handlerFor } from './params/handlers';
import { splitEscaped, unescapeValue, type ValueContext } from './params/types';
import { compositeComponents, isIndexed } from './supported';
import { MAX_CHAIN } from './limits';

/**
 * One `name[:modifier]=value` query parameter → a Criterion, including chains
 * (`subject:Patient.name=x`, https://hl7.org/fhir/R4/search.html#chaining) and reverse chains
 * (`_has:Observation:patient:code=x`, https://hl7.org/fhir/R4/search.html#has).
 * Malformed values and bad modifiers throw 400 naming the parameter; an unknown parameter is
 * returned as `{ unknown }` for the caller to treat per `Prefer: handling`.
 */

export type CriterionResult = Criterion | { unknown: string };

export function parseCriterion(name: string, raw: string, types: string[], ctx: ValueContext, depth = 0): CriterionResult {
  if (depth > MAX_CHAIN) throw badRequest(`parameter '${name}': chains and _has are limited to ${MAX_CHAIN} links`, [name]);
  if (name.startsWith('_has:')) return parseHas(name, raw, types, ctx, depth);
  if (name === '_list') return parseList(raw, types, ctx, depth);
  const dot = name.indexOf('.');
  if (dot > 0) return parseChain(name, dot, raw, types, ctx, depth);

  const [code, modifier, ...extra] = name.split(':');
  if (extra.length) throw badRequest(`parameter '${name}' has more than one modifier`, [name]);
  if (code === '_id') return parseId(name, raw, modifier);
  if (code === '_lastUpdated') {
    if (modifier) throw badRequest(`parameter '${name}': modifier not supported`, [name]);
    return { kind: 'lastUpdated', values: parseValues(name, raw, (v) => dateParam.parseValue(v, undefined, ctx)) as DateValue[] };
  }
  const sp = commonParameter(types, code, ctx.registry);
  if (!sp) return { unknown: `unknown search parameter '${code}' for ${types.join(', ') || 'system search'}` };
  if (!types.every((t) => isIndexed(ctx.registry, t, code))) return { unknown: `search parameter '${code}' is not supported` };
  const type = sp.type as string;
  const handler = handlerFor(type)!;
  if (modifier === 'missing') {
    if (raw !== 'true' && raw !== 'false') throw badRequest(`parameter '${name}': :missing takes true or false`, [name]);
    if (type === 'composite') throw badRequest(`parameter '${name}': :missing is not supported for composite parameters`, [name]);
    return { kind: 'missing', code, type, types, missing: raw === 'true' };
  }
  const typeModifier = type === 'reference' && modifier !== undefined && ctx.registry.isResourceType(modifier);
  if (modifier !== undefined && !typeModifier && !handler.modifiers.includes(modifier)) {
    throw badRequest(`parameter '${name}': modifier ':${modifier}' is not supported for ${type} parameters`, [name]);
  }
  const valueCtx: ValueContext = { ...ctx, targets: sp.target, components: componentTypes(sp, ctx.registry) };
  const values = parseValues(name, raw, (v) => handler.parseValue(v, modifier, valueCtx));
  // the handler parsed the values of this type
  return { kind: 'param', code, type, types, modifier, values } as ParamCriterion;
}

function parseValues(name: string, raw: string, parse: (v: string) => unknown): unknown[] {
  if (raw.length === 0) throw badRequest(`parameter '${name}' has no value`, [name]);
  return splitEscaped(raw, ',').map((v) => {
    const parsed = parse(v);
    if (parsed && typeof parsed === 'object' && 'error' in parsed) {
      throw badRequest(`parameter '${name}': ${(parsed as { error: string }).error}`, [name]);
    }
    return parsed;
  });
}

function parseId(name: string, raw: string, modifier: string | undefined): Criterion {
  if (modifier && modifier !== 'not') throw badRequest(`parameter '${name}': modifier not supported`, [name]);
  const ids = parseValues(name, raw, (v) => {
    const id = unescapeValue(v);
    return /^[A-Za-z0-9\-.]{1,64}$/.test(id) ? id : { error: `'${id}' is not a valid id` };
  }) as string[];
  return { kind: 'id', ids, not: modifier === 'not' };
}

function parseChain(name: string, dot: number, raw: string, types: string[], ctx: ValueContext, depth: number): CriterionResult {
  const [code, typeModifier, extra] = name.slice(0, dot).split(':');
  if (extra !== undefined) throw badRequest(`parameter '${name}': bad chain`, [name]);
  const sp = commonParameter(types, code, ctx.registry);
  if (!sp) return { unknown: `unknown search parameter '${code}' in chain '${name}'` };
  if (sp.type !== 'reference') throw badRequest(`parameter '${name}': '${code}' is not a reference parameter and cannot be chained`, [name]);
  const tail = name.slice(dot + 1);
  const tailCode = tail.split(/[.:]/)[0];
  const allowed: string[] = sp.target ?? [];
  let targets = typeModifier ? [typeModifier] : allowed.filter((t) => ctx.registry.isResourceType(t));
  if (typeModifier && !allowed.includes(typeModifier)) {
    throw badRequest(`parameter '${name}': ${typeModifier} is not a target of '${code}'`, [name]);
  }
  // without :Type, chain into every target type that has the next parameter
  if (!tailCode.startsWith('_')) targets = targets.filter((t) => ctx.registry.searchParameter(t, tailCode));
  if (targets.length === 0) return { unknown: `no target of '${code}' has a search parameter '${tailCode}'` };
  const next = parseCriterion(tail, raw, targets, ctx, depth + 1);
  if ('unknown' in next) return next;
  return { kind: 'chain', code, types, targetTypes: targets, next };
}

function parseHas(name: string, raw: string, types: string[], ctx: ValueContext, depth: number): CriterionResult {
  const [, sourceType, code, ...rest] = name.split(':');
  if (!sourceType || !code || rest.length === 0) {
    throw badRequest(`parameter '${name}': _has needs _has:Type:reference:parameter`, [name]);
  }
  if (!ctx.registry.isResourceType(sourceType)) throw badRequest(`parameter '${name}': unknown resource type ${sourceType}`, [name]);
  const sp = ctx.registry.searchParameter(sourceType, code);
  if (!sp || sp.type !== 'reference') throw badRequest(`parameter '${name}': '${code}' is not a reference parameter of ${sourceType}`, [name]);
  const targets: string[] = sp.target ?? [];
  if (targets.length && !types.some((t) => targets.includes(t))) {
    throw badRequest(`parameter '${name}': ${sourceType}.${code} does not refer to ${types.join(', ')}`, [name]);
  }
  const next = parseCriterion(rest.join(':'), raw, [sourceType], ctx, depth + 1);
  if ('unknown' in next) return next;
  return { kind: 'has', sourceType, code, next };
}

/**
 * `_list=id` (https://hl7.org/fhir/R4/search.html#list): the resources a List names in
 * `entry.item`, which is the reverse chain `_has:List:item:_id=id` (so the List must be one the
 * caller may read). Functional lists (`$current-problems`) are not kept.
 */
function parseList(raw: string, types: string[], ctx: ValueContext, depth: number): CriterionResult {
  if (raw.split(',').some((v) => v.startsWith('$'))) throw badRequest(`parameter '_list': functional lists ($name) are not supported`, ['_list']);
  return parseHas('_has:List:item:_id', raw, types, ctx, depth);
}

/** The SearchParameter `code` has on every type (one definition shared, or same type everywhere). */
export function commonParameter(types: string[], code: string, registry: DefinitionRegistry): SearchParameter | undefined {
  let found: SearchParameter | undefined;
  for (const t of types) {
    const sp = registry.searchParameter(t, code);
    if (!sp || (found && found.type !== sp.type)) return undefined;
    found ??= sp;
  }
  return found;
}

/** Value types of a composite's components, from their SearchParameter definitions. */
function componentTypes(sp: SearchParameter, registry: DefinitionRegistry): string[] | undefined {
  if (sp.type !== 'composite') return undefined;
  return compositeComponents(sp, registry).map((c) => c.type ?? 'unknown');
}
