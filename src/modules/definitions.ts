import type { Resource } from '@medplum/fhirtypes';
import { hasErrors } from '../fhir/issue';
import { unprocessable } from '../fhir/outcome';
import type { SharedDeps } from '../interactions/types';

/** What an upsert did, by `Type/id`. */
export interface UpsertResult {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/**
 * Upsert definitional resources by canonical URL and version, each validated first, all in one
 * transaction: created at the file's id when missing, updated when changed, else left alone (so a
 * restart writes nothing). Modules store their templates and OperationDefinitions with it at start-up.
 */
export async function upsertDefinitions(
  deps: Pick<SharedDeps, 'store' | 'validator' | 'findCanonical'>,
  templates: readonly Resource[],
  result: UpsertResult = { created: [], updated: [], unchanged: [] },
): Promise<UpsertResult> {
  for (const t of templates) {
    const issues = deps.validator.validate(t);
    if (hasErrors(issues)) throw unprocessable(issues.map((i) => ({ ...i, diagnostics: `template ${t.resourceType}/${t.id}: ${i.diagnostics}` })));
  }
  await deps.store.transaction(async (tx) => {
    for (const t of templates) {
      const { url, version } = t as Resource & { url: string; version?: string };
      const existing = await deps.findCanonical(t.resourceType, url, version);
      const id = existing?.id ?? (t.id as string);
      const name = `${t.resourceType}/${id}`;
      if (existing && same(existing, t)) {
        result.unchanged.push(name);
        continue;
      }
      const written = await tx.update({ ...t, id }, { allowCreate: true });
      (written.created ? result.created : result.updated).push(name);
    }
  });
  return result;
}

/** Equal apart from meta (versionId, lastUpdated) and the id the database chose. */
function same(stored: Resource, file: Resource): boolean {
  const strip = (r: Resource) => stableJson({ ...r, meta: { ...r.meta, versionId: undefined, lastUpdated: undefined }, id: undefined });
  return strip(stored) === strip(file);
}

/** JSON with object keys sorted (stored content need not keep the file's key order). */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).every((k) => (v as Record<string, unknown>)[k] === undefined)));
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
