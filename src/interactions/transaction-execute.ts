import { gone, notFound, notImplemented, preconditionFailed, badRequest } from '../fhir/outcome';
import type { SearchRequest } from '../fhir/search/ast';
import type { AccessFilter } from '../store/search/sql-builder';
import type { StoreTransaction } from '../store/resources';
import { searchIn } from '../store/search';
import { search } from './search';
import { history } from './history';
import type { StoredVersion } from '../store/versions';
import { createdResult } from './create';
import { deletedResult } from './delete';
import { writePatch } from './patch';
import { authorizeCreate, deleteGuard } from './authorize';
import type { ConditionalResolver } from './transaction-hooks';
import type { PreparedEntry } from './transaction-prepare';
import type { InteractionDeps, InteractionResult } from './types';
import { updatedResult, writeUpdate } from './update';
import { versionHeaders, versionLocation } from './version-headers';

/** What one entry did: the single interaction's result, and the version it wrote or read. */
export interface EntryOutcome {
  result: InteractionResult;
  version?: StoredVersion;
}

export interface ExecuteContext {
  deps: InteractionDeps;
  resolve?: ConditionalResolver;
  /** The id a create (or a conditional update that creates) takes: assigned before processing. */
  createId?: string;
  /** Ids matching the entry's condition, when the caller resolved it already. */
  matches?: string[];
  /**
   * The server's own write on the caller's behalf (the triage ClinicalImpression and Task of a
   * submission): validated like any entry, not subject to the caller's write rules.
   */
  trusted?: boolean;
}

/** Run one prepared entry inside `tx`, with the same store calls and results as its single request. */
export async function executeEntry(tx: StoreTransaction, ctx: ExecuteContext, entry: PreparedEntry): Promise<EntryOutcome> {
  const { deps } = ctx;
  const p = entry.prepared;
  switch (p.kind) {
    case 'create': {
      if (p.ifNoneExist !== undefined) {
        // https://hl7.org/fhir/R4/http.html#ccreate: one match → no create, 200 with it; several → 412.
        const ids = ctx.matches ?? (await resolveCondition(ctx, tx, p.type, p.ifNoneExist, 'If-None-Exist'));
        if (ids.length > 1) throw preconditionFailed(`If-None-Exist '${p.ifNoneExist}' matches more than one ${p.type}`);
        if (ids.length === 1) return existing(deps, await tx.read(p.type, ids[0]));
      }
      if (!ctx.trusted) await authorizeCreate(deps, tx, p.resource);
      const version = await tx.create(p.resource, { id: ctx.createId });
      return { result: createdResult(deps, version), version };
    }
    case 'update': {
      const written = await writeUpdate(tx, deps, p.update, ctx.trusted);
      return { result: updatedResult(deps, written), version: written.version };
    }
    case 'conditional-update': {
      // https://hl7.org/fhir/R4/http.html#cond-update
      const ids = ctx.matches ?? (await resolveCondition(ctx, tx, p.type, p.query, 'Conditional update'));
      if (ids.length > 1) throw preconditionFailed(`Conditional update '${p.type}?${p.query}' matches more than one resource`);
      if (ids.length === 1 && p.resource.id !== undefined && p.resource.id !== ids[0]) {
        throw badRequest(`The body's id '${p.resource.id}' is not the id of the matching ${p.type} (${ids[0]})`, [`${p.type}.id`]);
      }
      if (ids.length === 0 && p.resource.id === undefined) {
        if (!ctx.trusted) await authorizeCreate(deps, tx, p.resource);
        const version = await tx.create(p.resource, { id: ctx.createId });
        return { result: createdResult(deps, version), version };
      }
      const resource = { ...p.resource, id: ids[0] ?? p.resource.id };
      const written = await writeUpdate(tx, deps, { resource, ifMatch: p.ifMatch }, ctx.trusted);
      return { result: updatedResult(deps, written), version: written.version };
    }
    case 'patch': {
      const written = await writePatch(tx, deps, p.patch);
      return { result: updatedResult(deps, written), version: written.version };
    }
    case 'delete': {
      const deleted = await tx.delete(p.type, p.id, { ifMatch: p.remove.ifMatch, ...(ctx.trusted ? {} : { guard: deleteGuard(deps, tx, p.type) }) });
      return { result: deletedResult(p.remove, deleted), version: deleted };
    }
    case 'conditional-delete': {
      // https://hl7.org/fhir/R4/http.html#cdelete: deleting several matches is not enabled.
      const ids = ctx.matches ?? (await resolveCondition(ctx, tx, p.type, p.query, 'Conditional delete'));
      if (ids.length > 1) throw preconditionFailed(`Conditional delete '${p.type}?${p.query}' matches more than one resource`);
      const target = { type: p.type, id: ids[0] ?? `?${p.query}` };
      const deleted = ids.length ? await tx.delete(p.type, ids[0], ctx.trusted ? {} : { guard: deleteGuard(deps, tx, p.type) }) : undefined;
      return { result: deletedResult(target, deleted), version: deleted };
    }
    case 'read': {
      const current = await tx.read(p.type, p.id);
      if (!current) throw notFound(`${p.type}/${p.id} is not known`);
      if (current.deleted) throw gone(`${p.type}/${p.id} was deleted`, versionHeaders(current));
      return { result: { status: 200, body: current.json as string, headers: versionHeaders(current) }, version: current };
    }
    case 'vread': {
      const version = await tx.vread(p.type, p.id, p.vid);
      if (!version) throw notFound(`${p.type}/${p.id}/_history/${p.vid} is not known`);
      if (version.deleted) throw gone(`${p.type}/${p.id} version ${p.vid} is a deletion`, versionHeaders(version));
      return { result: { status: 200, body: version.json as string, headers: versionHeaders(version) }, version };
    }
    case 'search': {
      // Runs after the writes (processing order) on the transaction's own connection, so it
      // sees them; the caller's access filter applies as for any search.
      await tx.flushIndex(); // index rows of this transaction's writes, so the search finds them
      const inTx = { ...deps, search: (request: SearchRequest, access?: AccessFilter) => searchIn(tx.client, request, access) };
      return { result: await search(inTx, { type: p.type }, { params: [...new URLSearchParams(p.query)], strict: false }) };
    }
    case 'history': {
      // Like search: after the writes, on the transaction's connection, so it lists them.
      const query: Record<string, string[]> = {};
      for (const [k, v] of new URLSearchParams(p.query)) (query[k] ??= []).push(v);
      return { result: await history(deps, { type: p.type, id: p.id }, query, tx) };
    }
  }
}

/** Ids matching `type?query`, through the resolver; without one → 501, never a silent pass. */
export async function resolveCondition(
  ctx: Pick<ExecuteContext, 'resolve'>,
  tx: StoreTransaction | undefined,
  type: string,
  query: string,
  what: string,
): Promise<string[]> {
  if (!ctx.resolve) throw notImplemented(`${what} (${type}?${query}) is not supported yet: it needs search, which is not connected`);
  return ctx.resolve(type, query, tx);
}

function existing(deps: Pick<InteractionDeps, 'baseUrl'>, current: StoredVersion | undefined): EntryOutcome {
  if (!current || current.deleted) throw preconditionFailed('The resource matching If-None-Exist disappeared while processing');
  return {
    result: { status: 200, body: current.json as string, headers: { ...versionHeaders(current), location: versionLocation(deps.baseUrl, current) } },
    version: current,
  };
}
