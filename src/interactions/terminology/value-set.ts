// https://hl7.org/fhir/R4/valueset-operation-expand.html, https://hl7.org/fhir/R4/valueset-operation-validate-code.html
import { randomUUID } from 'node:crypto';
import type { CodeSystemConcept, Coding, ValueSet, ValueSetExpansionContains } from '@medplum/fhirtypes';
import { badRequest, notFound, FhirError } from '../../fhir/outcome';
import { ValueSetExpander, type Expansion, type TerminologySource } from '../../fhir/terminology/expand';
import type { InteractionDeps, InteractionResult } from '../types';
import { operationInput, validationResult, wholeNumber, type OperationInput } from './parameters';
import { readInstance } from './instance';

export interface TerminologyRequest {
  method: 'GET' | 'POST';
  id?: string;
  query: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** The key under which a ValueSet given by id or in the body is expanded (it need not have a url). */
const SELF = 'urn:kolibri:operation-input';

/** `ValueSet/$expand`: the codes of a held ValueSet, with display, `filter` and paging. */
export async function expandValueSet(deps: InteractionDeps, req: TerminologyRequest): Promise<InteractionResult> {
  const input = operationInput(deps, req);
  const count = wholeNumber(input, 'count');
  const offset = wholeNumber(input, 'offset') ?? 0;
  const filter = input.text('filter')?.toLowerCase();
  const { valueSet, expansion } = await expansionOf(deps, req, input);
  const displayOf = displays(deps.registry, valueSet);
  const all = expansion
    .entries()
    .map(({ system, code }): ValueSetExpansionContains => ({ system, code, display: displayOf(system, code) }))
    .filter((c) => !filter || c.code?.toLowerCase().includes(filter) || c.display?.toLowerCase().includes(filter));
  const page = all.slice(offset, count === undefined ? undefined : offset + count);
  const { expansion: _previous, ...definition } = valueSet;
  const body: ValueSet = {
    ...definition,
    expansion: {
      identifier: `urn:uuid:${randomUUID()}`,
      timestamp: deps.clock.now().toISOString(),
      total: all.length,
      offset,
      parameter: [
        ...(filter !== undefined ? [{ name: 'filter', valueString: input.text('filter') }] : []),
        ...(count !== undefined ? [{ name: 'count', valueInteger: count }] : []),
        { name: 'offset', valueInteger: offset },
      ],
      contains: page.map(({ system, code, display }) => (display === undefined ? { system, code } : { system, code, display })),
    },
  };
  return { status: 200, body };
}

/** `ValueSet/$validate-code`: whether a code (code + system, a Coding or a CodeableConcept) is in a ValueSet. */
export async function validateValueSetCode(deps: InteractionDeps, req: TerminologyRequest): Promise<InteractionResult> {
  const input = operationInput(deps, req);
  const codings = codingsOf(input);
  const { valueSet, expansion } = await expansionOf(deps, req, input);
  const display = input.text('display');
  const name = valueSet.url ?? `ValueSet/${req.id}`;
  for (const coding of codings) {
    if (!expansion.has(coding.system, coding.code as string)) continue;
    const known = displays(deps.registry, valueSet)(coding.system as string, coding.code as string);
    const given = display ?? coding.display;
    if (given !== undefined && known !== undefined && given !== known) {
      return validationResult(false, `The display '${given}' is not the display of ${coding.system}|${coding.code} ('${known}')`, known);
    }
    return validationResult(true, undefined, known);
  }
  const named = codings.map((c) => `${c.system}|${c.code}`).join(', ');
  return validationResult(false, `${named} ${codings.length > 1 ? 'are' : 'is'} not in the value set ${name}`);
}

/** The codings to check: `code` + `system`, or `coding`, or the codings of `codeableConcept`; each with system and code. */
export function codingsOf(input: OperationInput, defaultSystem?: string): Coding[] {
  const code = input.text('code');
  const coding = input.coding('coding');
  const concept = input.codeableConcept('codeableConcept');
  const given = [code !== undefined, coding !== undefined, concept !== undefined].filter(Boolean).length;
  if (given !== 1) throw badRequest('give exactly one of code (with system), coding or codeableConcept', ['code', 'coding', 'codeableConcept']);
  const codings = code !== undefined ? [{ system: input.text('system') ?? defaultSystem, code }] : coding ? [coding] : (concept?.coding ?? []);
  if (!codings.length) throw badRequest('codeableConcept has no coding to validate', ['codeableConcept']);
  for (const c of codings) {
    if (!c.code) throw badRequest('a coding to validate needs a code', ['coding']);
    if (!c.system) throw badRequest(`the code '${c.code}' needs its system`, ['system']);
  }
  return codings;
}

/** The ValueSet the request names (the instance, `valueSet` in the body, or `url`) and its expansion; 4xx when it cannot be expanded. */
async function expansionOf(deps: InteractionDeps, req: TerminologyRequest, input: OperationInput): Promise<{ valueSet: ValueSet; expansion: Expansion }> {
  deps.access.requireScope('read', 'ValueSet');
  const given = req.id !== undefined ? await readInstance<ValueSet>(deps, 'ValueSet', req.id) : input.resource('valueSet');
  if (given !== undefined) {
    if (given.resourceType !== 'ValueSet') throw badRequest('valueSet must be a ValueSet', ['valueSet']);
    const valueSet = given as ValueSet;
    const source: TerminologySource = { valueSet: (u) => (u === SELF ? valueSet : deps.registry.valueSet(u)), codeSystem: (u) => deps.registry.codeSystem(u) };
    return { valueSet, expansion: expandable(new ValueSetExpander(source).expand(SELF), valueSet.url ?? `ValueSet/${req.id ?? ''}`) };
  }
  const url = input.text('url');
  if (url === undefined) throw badRequest('name the ValueSet: url (with valueSetVersion), the instance, or valueSet in a POSTed Parameters', ['url']);
  const version = input.text('valueSetVersion');
  const canonical = version !== undefined && !url.includes('|') ? `${url}|${version}` : url;
  const valueSet = deps.registry.valueSet(canonical);
  if (!valueSet) throw notFound(`no ValueSet ${canonical} is known`);
  return { valueSet, expansion: expandable(deps.validator.terminology.expand(valueSet.url ?? canonical), canonical) };
}

function expandable(expansion: Expansion | undefined, name: string): Expansion {
  if (expansion) return expansion;
  throw new FhirError(422, [
    {
      severity: 'error',
      code: 'too-costly',
      diagnostics: `The ValueSet ${name} cannot be expanded here: it draws on a code system the server does not hold in full (or a filter it does not evaluate), or has more codes than it lists`,
    },
  ]);
}

/**
 * The displays of a ValueSet's codes: the held CodeSystem's, else the ValueSet's own enumeration's.
 * Each code system's concepts are walked once into a map (an expansion asks for every code).
 */
function displays(source: Pick<TerminologySource, 'codeSystem'>, valueSet: ValueSet): (system: string, code: string) => string | undefined {
  const bySystem = new Map<string, Map<string, string>>();
  const collect = (into: Map<string, string>, concepts: CodeSystemConcept[]) => {
    for (const c of concepts) {
      if (c.code && c.display !== undefined && !into.has(c.code)) into.set(c.code, c.display);
      if (c.concept) collect(into, c.concept);
    }
  };
  const of = (system: string): Map<string, string> => {
    let map = bySystem.get(system);
    if (map) return map;
    map = new Map();
    collect(map, source.codeSystem(system)?.concept ?? []);
    for (const include of valueSet.compose?.include ?? []) {
      if (include.system !== system) continue;
      for (const c of include.concept ?? []) if (c.display !== undefined && !map.has(c.code as string)) map.set(c.code as string, c.display);
    }
    bySystem.set(system, map);
    return map;
  };
  return (system, code) => of(system).get(code);
}
