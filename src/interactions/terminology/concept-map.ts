// https://hl7.org/fhir/R4/conceptmap-operation-translate.html
import type { ConceptMap, Coding, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest, notFound } from '../../fhir/outcome';
import { parseSearch } from '../../fhir/search/parse';
import type { InteractionDeps, InteractionResult } from '../types';
import { readInstance } from './instance';
import { operationInput, outputParameters, type OperationInput } from './parameters';
import type { TerminologyRequest } from './value-set';

/** Equivalences that say the source concept has no counterpart. */
const NO_MATCH = new Set(['unmatched', 'disjoint']);

/** At most this many stored maps are consulted when the request names none. */
const MAX_MAPS = 20;

interface Direction {
  coding: Coding;
  reverse: boolean;
  source?: string;
  target?: string;
  targetSystem?: string;
}

/**
 * `ConceptMap/$translate` with the map named by `url` (+ `conceptMapVersion`), by the instance,
 * given as `conceptMap` in a POSTed Parameters, or else every stored map (up to 20) that maps
 * the code: the targets its groups list for the code (`reverse`: the sources that map to it),
 * narrowed to the maps of `source`/`target` and to `targetsystem` when given.
 */
export async function translate(deps: InteractionDeps, req: TerminologyRequest): Promise<InteractionResult> {
  const input = operationInput(deps, req);
  const direction: Direction = {
    coding: sourceCoding(input),
    reverse: input.text('reverse') === 'true',
    source: input.text('source'),
    target: input.text('target'),
    targetSystem: input.text('targetsystem'),
  };
  const named = await namedConceptMap(deps, req, input);
  const maps = named ? [named] : await mapsOfCode(deps, direction);
  const matches = maps.flatMap((map) => matchesIn(map, direction));
  const found = matches.some((m) => !NO_MATCH.has(m.part?.[0].valueCode as string));
  const where = named ? (named.url ?? `ConceptMap/${req.id}`) : 'any ConceptMap held here';
  const { system, code } = direction.coding;
  return {
    status: 200,
    body: outputParameters([
      { name: 'result', valueBoolean: found },
      found ? undefined : { name: 'message', valueString: `${system}|${code} has no mapping in ${where}` },
      ...matches,
    ]),
  };
}

function matchesIn(map: ConceptMap, { coding, reverse, source, target, targetSystem }: Direction): ParametersParameter[] {
  const mapTarget = map.targetUri ?? map.targetCanonical;
  const mapSource = map.sourceUri ?? map.sourceCanonical;
  const scopeFits = (target === undefined || target === (reverse ? mapSource : mapTarget)) && (source === undefined || source === (reverse ? mapTarget : mapSource));
  const matches: ParametersParameter[] = [];
  for (const group of scopeFits ? (map.group ?? []) : []) {
    const [from, to] = reverse ? [group.target, group.source] : [group.source, group.target];
    if (from !== coding.system) continue;
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
  return matches;
}

/** The stored ConceptMaps (that the caller may read) with a mapping from the code, found with the R4 ConceptMap search parameters. */
async function mapsOfCode(deps: InteractionDeps, { coding, reverse }: Direction): Promise<ConceptMap[]> {
  deps.access.requireScope('search', 'ConceptMap');
  const side = reverse ? 'target' : 'source';
  const { request } = parseSearch(
    {
      resourceType: 'ConceptMap',
      params: [
        [`${side}-system`, coding.system as string],
        [`${side}-code`, coding.code as string],
        ['_count', String(MAX_MAPS)],
      ],
    },
    { registry: deps.registry, baseUrl: deps.baseUrl, now: deps.clock.now() },
  );
  const result = await deps.search(request, deps.access.searchFilter());
  return result.matches.map((row) => JSON.parse(row.content) as ConceptMap);
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

async function namedConceptMap(deps: InteractionDeps, req: TerminologyRequest, input: OperationInput): Promise<ConceptMap | undefined> {
  deps.access.requireScope('read', 'ConceptMap');
  if (req.id !== undefined) return readInstance<ConceptMap>(deps, 'ConceptMap', req.id);
  const given = input.resource('conceptMap');
  if (given !== undefined) {
    if (given.resourceType !== 'ConceptMap') throw badRequest('conceptMap must be a ConceptMap', ['conceptMap']);
    return given;
  }
  const url = input.text('url');
  if (url === undefined) return undefined;
  const version = input.text('conceptMapVersion');
  const map = await deps.findCanonical('ConceptMap', url, version);
  if (!map) throw notFound(`no ConceptMap ${url}${version !== undefined ? `|${version}` : ''} is known`);
  return map as ConceptMap;
}
