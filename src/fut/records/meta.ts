import type { Coding, Meta, Parameters, Resource } from '@medplum/fhirtypes';
import { badRequest, notFound } from '../../fhir/outcome';
import { checkId } from '../../interactions/resource-input';
import type { OperationContext } from '../../interactions/operation';
import type { InteractionResult } from '../../interactions/types';
import { parametersOf } from '../reporting/parameters';
import { metaInUse } from '../../store/resource-summary';

/**
 * `$meta` (https://hl7.org/fhir/R4/resource-operation-meta.html): at instance level the
 * resource's profiles, tags and security labels; at type and system level those in use on the
 * current resources (of the type) the caller may read, types its scopes allow it to search.
 * Answered as Parameters with `return` (Meta).
 */
export async function metaOperation({ deps, type, id, query, body }: OperationContext): Promise<InteractionResult> {
  if (Object.keys(query).length || parametersOf(body).length) throw badRequest('$meta takes no parameters', ['Parameters.parameter']);
  if (type !== undefined && !deps.registry.isResourceType(type)) throw notFound(`Unknown resource type '${type}'`);
  if (id !== undefined) return { status: 200, body: answer(await instanceMeta({ deps, type, id } as OperationContext)) };
  if (type !== undefined) deps.access.requireScope('search', type);
  const scope = deps.access.searchFilter();
  const rows = await deps.store.transaction((tx) => metaInUse(tx.client, type, scope));
  const meta: Meta = {};
  const seen = new Set<string>();
  for (const r of rows.filter((x) => deps.access.mayUse('search', x.resourceType)).sort((a, b) => `${a.kind}|${a.system}|${a.code}`.localeCompare(`${b.kind}|${b.system}|${b.code}`))) {
    const key = `${r.kind}|${r.system}|${r.code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (r.kind === 'profile') (meta.profile ??= []).push(r.code as string);
    else (meta[r.kind] ??= []).push(coding(r));
  }
  return { status: 200, body: answer(meta) };
}

async function instanceMeta({ deps, type, id }: OperationContext): Promise<Meta> {
  deps.access.requireScope('read', type as string);
  checkId(id as string);
  const stored = await deps.access.readCurrent(type as string, id as string);
  if (!stored || stored.deleted || !stored.json) throw notFound(`${String(type)}/${String(id)} is not known`);
  const resource = JSON.parse(stored.json as string) as Resource;
  await deps.access.ensureVisible(resource, `${String(type)}/${String(id)}`);
  const { profile, tag, security } = resource.meta ?? {};
  return { ...(profile ? { profile } : {}), ...(tag ? { tag } : {}), ...(security ? { security } : {}) };
}

function coding(r: { system: string | null; code: string | null; display: string | null }): Coding {
  return { ...(r.system ? { system: r.system } : {}), ...(r.code ? { code: r.code } : {}), ...(r.display ? { display: r.display } : {}) };
}

const answer = (meta: Meta): Parameters => ({ resourceType: 'Parameters', parameter: [{ name: 'return', valueMeta: meta }] });
