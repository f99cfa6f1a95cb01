import type { AccessFilter } from './search/sql-builder';
import type { Db } from './db';
import { normalizeDatabaseError } from './pg-errors';

/** One profile, tag or security label in use on current resources of a type. */
export interface MetaInUse {
  resourceType: string;
  kind: 'profile' | 'tag' | 'security';
  system: string | null;
  /** The profile's canonical URL, or the coding's code. */
  code: string | null;
  display: string | null;
}

/** Current resources of one type, counted. */
export interface TypeCount {
  resourceType: string;
  count: number;
}

/** A statement's parameters, and the binder that appends to them (the access filter binds its own). */
function binder(): { values: unknown[]; bind: (value: unknown, cast?: string) => string } {
  const values: unknown[] = [];
  return {
    values,
    bind: (value, cast) => {
      values.push(value);
      return `$${values.length}${cast ? `::${cast}` : ''}`;
    },
  };
}

/**
 * The distinct profiles (meta.profile), tags and security labels of the current resources (of
 * `type`, or of every type) that `access` lets the caller read, per type: what `$meta` at type
 * and system level answers. https://hl7.org/fhir/R4/resource-operation-meta.html
 */
export async function metaInUse(db: Db, type: string | undefined, access: AccessFilter | undefined): Promise<MetaInUse[]> {
  const { values, bind } = binder();
  const where = `NOT r.deleted${type ? ` AND r.resource_type = ${bind(type, 'text')}` : ''}${access ? ` AND ${access('r', bind)}` : ''}`;
  const sql = `SELECT DISTINCT r.resource_type, 'profile' AS kind, NULL AS system, p AS code, NULL AS display
      FROM resource r CROSS JOIN LATERAL jsonb_array_elements_text(COALESCE(r.content::jsonb#>'{meta,profile}', '[]')) p WHERE ${where}
    UNION SELECT DISTINCT r.resource_type, k.kind, c->>'system', c->>'code', c->>'display'
      FROM resource r CROSS JOIN LATERAL (VALUES ('tag'), ('security')) k(kind)
      CROSS JOIN LATERAL jsonb_array_elements(COALESCE(r.content::jsonb#>ARRAY['meta', k.kind], '[]')) c WHERE ${where}`;
  try {
    const { rows } = await db.query<{ resource_type: string; kind: MetaInUse['kind']; system: string | null; code: string | null; display: string | null }>(sql, values);
    return rows.map((r) => ({ resourceType: r.resource_type, kind: r.kind, system: r.system, code: r.code, display: r.display }));
  } catch (err) {
    throw normalizeDatabaseError(err);
  }
}

/** How many current resources of each type `access` lets the caller read (types that have any, by name). */
export async function countsByType(db: Db, access: AccessFilter | undefined): Promise<TypeCount[]> {
  const { values, bind } = binder();
  const sql = `SELECT r.resource_type, count(*)::int AS n FROM resource r WHERE NOT r.deleted${access ? ` AND ${access('r', bind)}` : ''} GROUP BY 1 ORDER BY 1`;
  try {
    const { rows } = await db.query<{ resource_type: string; n: number }>(sql, values);
    return rows.map((r) => ({ resourceType: r.resource_type, count: r.n }));
  } catch (err) {
    throw normalizeDatabaseError(err);
  }
}
