// https://hl7.org/fhir/R4/resource-operation-meta-add.html, https://hl7.org/fhir/R4/resource-operation-meta-delete.html
import type { Meta, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcome';
import { parseMetaSets } from '../fhir/patch/meta-change';
import { patchWith } from './patch';
import { checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { updatedResult } from './update';

/**
 * `[type]/[id]/$meta-add` and `$meta-delete`: add (each once) or remove the profiles, tags and
 * security labels the `meta` input names (tags and security labels by system + code, profiles
 * by URL). Written as a patch is, so scopes, access to the resource and the result, validation,
 * audit, the search index, history and subscriptions all apply; unlike R4's note that meta
 * changes make no new version, Kolibri records one (every change stays in the history). Missing
 * and hidden resources answer the same 404. Answers Parameters with `return` (the new Meta).
 */
export async function metaChange(deps: InteractionDeps, change: 'add' | 'delete', type: string, id: string, body: unknown): Promise<InteractionResult> {
  checkType(deps, type);
  const meta = parseMetaSets(metaInput(body, change).valueMeta, 'meta');
  const written = await patchWith(deps, type, id, { kind: 'meta', change, meta });
  const result: Meta = (JSON.parse(written.version.json as string) as { meta?: Meta }).meta ?? {};
  const answer: Parameters = { resourceType: 'Parameters', parameter: [{ name: 'return', valueMeta: result }] };
  return { ...updatedResult(deps, written), status: 200, body: answer, preferable: false };
}

/** The one `meta` parameter of the Parameters body (nothing else). */
function metaInput(body: unknown, change: 'add' | 'delete'): ParametersParameter {
  const p = body as Parameters | undefined;
  if (typeof p !== 'object' || p === null || p.resourceType !== 'Parameters') throw badRequest(`$meta-${change} takes a Parameters body with one parameter 'meta' (Meta)`, ['resourceType']);
  const params = Array.isArray(p.parameter) ? p.parameter : [];
  const others = params.filter((x) => x?.name !== 'meta');
  if (others.length) throw badRequest(`$meta-${change} takes only the parameter 'meta', got '${String(others[0]?.name)}'`, ['Parameters.parameter']);
  if (params.length !== 1) throw badRequest(`$meta-${change} needs exactly one parameter 'meta' (Meta), got ${params.length}`, ['Parameters.parameter']);
  const [meta] = params;
  if (meta.valueMeta === undefined) throw badRequest(`The parameter 'meta' must be a valueMeta`, ['Parameters.parameter[0].valueMeta']);
  return meta;
}
