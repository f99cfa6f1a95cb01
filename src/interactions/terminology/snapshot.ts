// https://hl7.org/fhir/R4/structuredefinition-operation-snapshot.html
import type { StructureDefinition } from '@medplum/fhirtypes';
import { badRequest, FhirError, notFound } from '../../fhir/outcome';
import { generateSnapshot } from '../../fhir/definitions/snapshot';
import type { InteractionDeps, InteractionResult } from '../types';
import { readInstance } from './instance';
import { operationInput } from './parameters';
import type { TerminologyRequest } from './value-set';

/**
 * `StructureDefinition/$snapshot`: the StructureDefinition (given as `definition`, named by `url`,
 * or the instance) with its snapshot generated from its differential over its base's snapshot.
 * A specialization (a base type) is returned with the snapshot it has.
 */
export async function snapshot(deps: InteractionDeps, req: TerminologyRequest): Promise<InteractionResult> {
  const sd = await definitionOf(deps, req);
  const constrains = sd.derivation === 'constraint' || (sd.derivation === undefined && sd.baseDefinition !== undefined);
  if (!constrains || !sd.differential?.element?.length) {
    if (sd.snapshot?.element?.length) return { status: 200, body: sd };
    throw unprocessable(`${sd.url ?? 'the StructureDefinition'} has neither a differential over a base nor a snapshot`);
  }
  try {
    const element = generateSnapshot(sd, (url) => deps.registry.structureDefinition(url));
    return { status: 200, body: { ...sd, snapshot: { element } } };
  } catch (err) {
    if (err instanceof FhirError) throw err;
    throw unprocessable(`no snapshot can be generated: ${(err as Error).message}`);
  }
}

async function definitionOf(deps: InteractionDeps, req: TerminologyRequest): Promise<StructureDefinition> {
  deps.access.requireScope('read', 'StructureDefinition');
  if (req.id !== undefined) return readInstance<StructureDefinition>(deps, 'StructureDefinition', req.id);
  const input = operationInput(deps, req);
  const given = input.resource('definition');
  if (given !== undefined) {
    if (given.resourceType !== 'StructureDefinition') throw badRequest('definition must be a StructureDefinition', ['definition']);
    return given;
  }
  const url = input.text('url');
  if (url === undefined) throw badRequest('name the StructureDefinition: definition in a POSTed Parameters, url, or the instance', ['definition', 'url']);
  const sd = deps.registry.structureDefinition(url);
  if (!sd) throw notFound(`no StructureDefinition ${url} is known`);
  return sd;
}

function unprocessable(diagnostics: string): FhirError {
  return new FhirError(422, [{ severity: 'error', code: 'processing', diagnostics }]);
}
