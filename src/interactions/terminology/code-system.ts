// https://hl7.org/fhir/R4/codesystem-operation-lookup.html, …-validate-code.html, …-subsumes.html
import type { CodeSystem, CodeSystemConcept, Coding, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest, FhirError, notFound } from '../../fhir/outcome';
import { findConcept } from '../../fhir/terminology/expand';
import type { InteractionDeps, InteractionResult } from '../types';
import { readInstance } from './instance';
import { operationInput, outputParameters, validationResult, type OperationInput } from './parameters';
import { codingsOf, type TerminologyRequest } from './value-set';

/** `CodeSystem/$lookup`: name, version, display, designations and properties of a code. */
export async function lookupCode(deps: InteractionDeps, req: TerminologyRequest): Promise<InteractionResult> {
  const input = operationInput(deps, req);
  const coding = input.coding('coding') ?? { system: input.text('system'), code: input.text('code') };
  if (!coding.code || !coding.system) throw badRequest('$lookup needs system and code, or a coding with both', ['system', 'code', 'coding']);
  const cs = await codeSystemOf(deps, req, coding.system, input.text('version'));
  const concept = conceptOf(cs, coding.code);
  if (!concept) throw notFound(`${coding.code} is not a code of ${cs.url}`);
  return {
    status: 200,
    body: outputParameters([
      { name: 'name', valueString: cs.name ?? cs.title ?? cs.url },
      cs.version !== undefined ? { name: 'version', valueString: cs.version } : undefined,
      concept.display !== undefined ? { name: 'display', valueString: concept.display } : undefined,
      ...(concept.designation ?? []).map(
        (d): ParametersParameter => ({
          name: 'designation',
          part: [
            ...(d.language ? [{ name: 'language', valueCode: d.language }] : []),
            ...(d.use ? [{ name: 'use', valueCoding: d.use }] : []),
            { name: 'value', valueString: d.value },
          ],
        }),
      ),
      ...(concept.property ?? []).map((p): ParametersParameter => {
        const value = Object.entries(p).find(([k]) => k.startsWith('value'));
        return { name: 'property', part: [{ name: 'code', valueCode: p.code }, ...(value ? [{ name: 'value', [value[0]]: value[1] } as ParametersParameter] : [])] };
      }),
    ]),
  };
}

/** `CodeSystem/$validate-code`: whether a code is in a held code system (and its display right). */
export async function validateCodeSystemCode(deps: InteractionDeps, req: TerminologyRequest): Promise<InteractionResult> {
  const input = operationInput(deps, req);
  const url = input.text('url');
  const cs = await codeSystemOf(deps, req, url ?? input.coding('coding')?.system ?? input.codeableConcept('codeableConcept')?.coding?.[0]?.system, input.text('version'));
  const codings = codingsOf(input, cs.url).filter((c) => c.system === cs.url);
  const display = input.text('display');
  for (const coding of codings) {
    const concept = conceptOf(cs, coding.code as string);
    if (!concept) continue;
    const given = display ?? coding.display;
    if (given !== undefined && concept.display !== undefined && given !== concept.display) {
      return validationResult(false, `The display '${given}' is not the display of ${cs.url}|${coding.code} ('${concept.display}')`, concept.display);
    }
    return validationResult(true, undefined, concept.display);
  }
  return validationResult(false, `${codings.map((c) => c.code).join(', ') || 'no coding'} of ${cs.url} is not a known code`);
}

/** `CodeSystem/$subsumes`: how codeA relates to codeB in the code system's concept hierarchy. */
export async function subsumes(deps: InteractionDeps, req: TerminologyRequest): Promise<InteractionResult> {
  const input = operationInput(deps, req);
  const a = pair(input, 'A');
  const b = pair(input, 'B');
  const system = input.text('system') ?? a.system ?? b.system;
  for (const c of [a, b]) if (c.system !== undefined && system !== undefined && c.system !== system) throw badRequest('codingA and codingB must be of the code system asked about', ['system']);
  const cs = await codeSystemOf(deps, req, system, input.text('version'));
  const [conceptA, conceptB] = [a, b].map((c) => {
    const concept = conceptOf(cs, c.code as string);
    if (!concept) throw notFound(`${c.code} is not a code of ${cs.url}`);
    return concept;
  });
  if (cs.hierarchyMeaning !== undefined && cs.hierarchyMeaning !== 'is-a') {
    throw new FhirError(422, [{ severity: 'error', code: 'not-supported', diagnostics: `${cs.url}'s hierarchy means '${cs.hierarchyMeaning}', not is-a: it tells nothing about subsumption` }]);
  }
  const outcome =
    conceptA.code === conceptB.code ? 'equivalent' : below(conceptA, conceptB.code as string) ? 'subsumes' : below(conceptB, conceptA.code as string) ? 'subsumed-by' : 'not-subsumed';
  return { status: 200, body: outputParameters([{ name: 'outcome', valueCode: outcome }]) };
}

function pair(input: OperationInput, which: 'A' | 'B'): Coding {
  const coding = input.coding(`coding${which}`);
  const code = input.text(`code${which}`);
  if ((coding === undefined) === (code === undefined)) throw badRequest(`give one of code${which} or coding${which}`, [`code${which}`, `coding${which}`]);
  if (coding && !coding.code) throw badRequest(`coding${which} needs a code`, [`coding${which}`]);
  return coding ?? { code };
}

function below(concept: CodeSystemConcept, code: string): boolean {
  return (concept.concept ?? []).some((c) => c.code === code || below(c, code));
}

/** The code system the request names: the instance, or the held one of `system` (with `version`). */
async function codeSystemOf(deps: InteractionDeps, req: TerminologyRequest, system: string | undefined, version: string | undefined): Promise<CodeSystem> {
  deps.access.requireScope('read', 'CodeSystem');
  if (req.id !== undefined) return readInstance<CodeSystem>(deps, 'CodeSystem', req.id);
  if (system === undefined) throw badRequest('name the code system: system (or url), or the instance', ['system']);
  const canonical = version !== undefined && !system.includes('|') ? `${system}|${version}` : system;
  const cs = deps.registry.codeSystem(canonical);
  if (!cs) throw notFound(`no CodeSystem ${canonical} is held here`);
  return cs;
}

/** The concept of `code`; a code system whose concepts are not all here (fragment, not-present) cannot say a code is not one of them. */
function conceptOf(cs: CodeSystem, code: string): CodeSystemConcept | undefined {
  const concept = findConcept(cs.concept ?? [], code);
  if (concept || cs.content === 'complete' || cs.content === undefined) return concept;
  throw new FhirError(422, [{ severity: 'error', code: 'not-supported', diagnostics: `${cs.url} is held only in part (content '${cs.content}'): the server cannot tell whether ${code} is one of its codes` }]);
}
