// https://hl7.org/fhir/R4/conceptmap-operation-translate.html
import type { ConceptMap, Coding, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest, notFound } from '../../fhir/outcome';
import type { InteractionDeps, InteractionResult } from '../types';
import { readInstance } from './instance';
import { operationInput, outputParameters, type OperationInput } from './parameters';
import type { TerminologyRequest } from './value-set';

/** Equivalences that say the source concept has no counterpart. */
const NO_MATCH = new Set(['unmatched', 'disjoint']);

/**
 * `ConceptMap/$translate` with the map named by `url` (+ `conceptMapVersion`), by the instance, or
 * given as `conceptMap` in a POSTed Parameters: the targets its groups list for the code
 * (`reverse`: the sources that map to it), narrowed to `targetsystem` when given.
 */
export async function translate(deps: InteractionDeps, req: TerminologyRequest): Promise<InteractionResult> {
  const input = operationInput(deps, req);
  const coding = sourceCoding(input);
  const map = await conceptMapOf(deps, req, input);
  const target = input.text('target');
  const mapTarget = map.targetUri ?? map.targetCanonical;
  const source = input.text('source');
  const mapSource = map.sourceUri ?? map.sourceCanonical;
  const reverse = input.text('reverse') === 'true';
  const targetSystem = input.text('targetsystem');
  const matches: ParametersParameter[] = [];
  const scopeFits = (target === undefined || target === (reverse ? mapSource : mapTarget)) && (source === undefined || source === (reverse ? mapTarget : mapSource));
  for (const group of scopeFits ? (map.group ?? []) : []) {
    const [from, to] = reverse ? [group.target, group.source] : [group.source, group.target];
    if (coding.system !== undefined && from !== coding.system) continue;
    if (targetSystem !== undefined && to !== targetSystem) continue;
    for (const element of group.element ?? []) {
      for (const t of element.target ?? []) {
        const [fromCode, toCode, toDisplay] = reverse ? [t.code, element.code, element.display] : [element.code, t.code, t.display];
        if (fromCode !== coding.code) continue;
        const concept: Coding = { system: to, code: toCode, ...(toDisplay !== undefined ? { display: toDisplay } : {}) };
        matches.push({
          name: 'match',
          part: [
            { name: 'equivalence', valueCode: t.equivalence },
            ...(toCode !== undefined ? [{ name: 'concept', valueCoding: concept }] : []),
            ...(map.url !== undefined ? [{ name: 'source', valueUri: map.url }] : []),
          ],
        });
      }
    }
  }
  const found = matches.some((m) => !NO_MATCH.has(m.part?.[0].valueCode as string));
  return {
    status: 200,
    body: outputParameters([
      { name: 'result', valueBoolean: found },
      found ? undefined : { name: 'message', valueString: `${coding.system ?? ''}|${coding.code} has no mapping in ${map.url ?? `ConceptMap/${req.id}`}` },
      ...matches,
    ]),
  };
}

function sourceCoding(input: OperationInput): Coding {
  const code = input.text('code');
  const coding = input.coding('coding') ?? input.codeableConcept('codeableConcept')?.coding?.[0];
  if ((code === undefined) === (coding === undefined)) throw badRequest('give one of code (with system), coding or codeableConcept', ['code', 'coding', 'codeableConcept']);
  const chosen = coding ?? { system: input.text('system'), code };
  if (!chosen.code) throw badRequest('the coding to translate needs a code', ['coding']);
  if (!chosen.system) throw badRequest(`the code '${chosen.code}' needs its system`, ['system']);
  return chosen;
}

async function conceptMapOf(deps: InteractionDeps, req: TerminologyRequest, input: OperationInput): Promise<ConceptMap> {
  deps.access.requireScope('read', 'ConceptMap');
  if (req.id !== undefined) return readInstance<ConceptMap>(deps, 'ConceptMap', req.id);
  const given = input.resource('conceptMap');
  if (given !== undefined) {
    if (given.resourceType !== 'ConceptMap') throw badRequest('conceptMap must be a ConceptMap', ['conceptMap']);
    return given;
  }
  const url = input.text('url');
  if (url === undefined) throw badRequest('name the ConceptMap: url (with conceptMapVersion), the instance, or conceptMap in a POSTed Parameters', ['url']);
  const version = input.text('conceptMapVersion');
  const map = await deps.findCanonical('ConceptMap', url, version);
  if (!map) throw notFound(`no ConceptMap ${url}${version !== undefined ? `|${version}` : ''} is known`);
  return map as ConceptMap;
}
