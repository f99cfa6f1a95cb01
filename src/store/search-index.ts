import type { PoolClient } from 'pg';
import type { DefinitionRegistry } from '../fhir/definitions/registry';
import { IndexExtractor, type ExtractorOptions } from '../fhir/search/extract';
import type { IndexRows } from '../fhir/search/index-rows';
import type { Resource } from '@medplum/fhirtypes';
import type { Bind, IndexEntry, IndexWriter } from './index-writer';

/**
 * Writes search-index rows (migrations/002_search_index.sql) for a batch of resources in ONE
 * statement: a data-modifying CTE per table deletes the old rows of every rid in the batch and
 * another inserts the new rows from parallel arrays (`unnest`), so a write costs one round trip
 * whatever the number of values. The CTEs share one snapshot, so the DELETEs cannot see (and
 * remove) the rows inserted beside them.
 * https://www.postgresql.org/docs/current/queries-with.html#QUERIES-WITH-MODIFYING
 */

/** Column name and PostgreSQL array type, in insert order, per table. */
const TABLES: Record<Exclude<keyof IndexRows, 'compartment'> | 'compartment', { table: string; columns: [string, string][] }> = {
  string: { table: 'search_string', columns: [['norm', 'text'], ['value', 'text'], ['norm_full', 'text']] },
  token: { table: 'search_token', columns: [['system', 'text'], ['value', 'text']] },
  reference: {
    table: 'search_reference',
    columns: [
      ['target_type', 'text'],
      ['target_id', 'text'],
      ['url', 'text'],
      ['sort_desc', 'timestamptz'],
      ['sort_asc', 'timestamptz'],
      ['state', 'text'],
      ['sort_rank', 'numeric'],
    ],
  },
  date: { table: 'search_date', columns: [['low', 'timestamptz'], ['high', 'timestamptz']] },
  number: { table: 'search_number', columns: [['low', 'numeric'], ['high', 'numeric']] },
  quantity: {
    table: 'search_quantity',
    columns: [
      ['system', 'text'],
      ['code', 'text'],
      ['unit', 'text'],
      ['low', 'numeric'],
      ['high', 'numeric'],
      ['canonical_code', 'text'],
      ['canonical_low', 'numeric'],
      ['canonical_high', 'numeric'],
    ],
  },
  uri: { table: 'search_uri', columns: [['value', 'text']] },
  compartment: {
    table: 'resource_compartment',
    columns: [['compartment_type', 'text'], ['compartment_id', 'text'], ['resource_type', 'text'], ['sort_desc', 'timestamptz'], ['sort_asc', 'timestamptz'], ['shared', 'boolean']],
  },
};

/** Row field for each column (camelCase in IndexRows). */
const FIELD: Record<string, string> = {
  norm: 'norm',
  norm_full: 'normFull',
  value: 'value',
  system: 'system',
  target_type: 'targetType',
  target_id: 'targetId',
  url: 'url',
  sort_desc: 'sortDesc',
  sort_asc: 'sortAsc',
  low: 'low',
  high: 'high',
  code: 'code',
  unit: 'unit',
  canonical_code: 'canonicalCode',
  canonical_low: 'canonicalLow',
  canonical_high: 'canonicalHigh',
  compartment_type: 'type',
  compartment_id: 'id',
  resource_type: 'resourceType',
  state: 'state',
  sort_rank: 'sortRank',
};

export interface SearchIndexWriter extends IndexWriter {
  /** The extractor, shared with reindex and tests. */
  readonly extractor: IndexExtractor;
  insertCtes(resource: Resource, source: string, bind: Bind, replace?: boolean, accessPatients?: readonly string[] | null): { ctes: string[]; shape: string };
}

/** An IndexWriter that keeps every R4 search parameter (and Patient compartments) indexed. */
export function createIndexWriter(registry: DefinitionRegistry, options: ExtractorOptions = {}): SearchIndexWriter {
  const extractor = new IndexExtractor(registry, options);
  return {
    extractor,
    async write(client: PoolClient, entries: readonly IndexEntry[]): Promise<void> {
      if (entries.length === 0) return;
      // one resource written twice in a batch: its last version wins
      const latest = [...new Map(entries.map((e) => [e.rid, e])).values()];
      // rids that are new in this transaction have no rows to delete
      const fresh = latest.every((e) => e.fresh);
      const { name, text, values } = buildIndexStatement(
        latest.map((e) => ({ rid: e.rid, rows: e.resource ? extractor.extract(e.resource, e.accessPatients) : undefined })),
        { fresh },
      );
      await client.query({ name, text, values });
    },
    insertCtes: (resource, source, bind, replace, accessPatients) => indexInsertCtes(extractor.extract(resource, accessPatients), source, bind, replace),
  };
}

const KINDS = Object.keys(TABLES) as (keyof IndexRows)[];
const statements = new Map<string, string>();

/** The columns of a kind's table after `rid`, with their array types: param and grp first where the table has them. */
function arrayColumns(kind: keyof IndexRows): [string, string][] {
  const head: [string, string][] = kind === 'compartment' ? [] : [['param', 'integer'], ['grp', 'smallint']];
  return [...head, ...TABLES[kind].columns];
}

/** One array per column of `arrayColumns(kind)`, over the rows given (rows' fields by FIELD). */
function columnArrays(kind: keyof IndexRows, rows: readonly Record<string, unknown>[]): unknown[][] {
  return arrayColumns(kind).map(([column]) => rows.map((row) => row[FIELD[column] ?? column] ?? null));
}

/**
 * The CTEs writing one resource's index rows, with the rid of each row of the CTE `source` (a
 * cross join: nothing when the source wrote nothing); with `replace`, a CTE per table first
 * deletes the rows of those rids (siblings share one snapshot: the delete does not see the
 * inserts). `shape` is the bit mask of the tables receiving rows (`r` prefixed when replacing),
 * which with the caller's own shape names a prepared statement.
 */
export function indexInsertCtes(rows: IndexRows, source: string, bind: Bind, replace = false): { ctes: string[]; shape: string } {
  const ctes: string[] = [];
  let mask = 0;
  KINDS.forEach((kind, k) => {
    if (replace) ctes.push(`del_${kind} AS (DELETE FROM ${TABLES[kind].table} WHERE rid IN (SELECT rid FROM ${source}))`);
    const list = rows[kind] as unknown as Record<string, unknown>[];
    if (list.length === 0) return;
    mask |= 1 << k;
    const columns = arrayColumns(kind);
    const arrays = columnArrays(kind, list).map((values, i) => bind(values, `${columns[i][1]}[]`));
    ctes.push(`ins_${kind} AS (INSERT INTO ${TABLES[kind].table} (rid, ${columns.map(([c]) => c).join(', ')})
      SELECT ${source}.rid, x.* FROM ${source}, unnest(${arrays.join(', ')}) x)`);
  });
  return { ctes, shape: `${replace ? 'r' : ''}${mask.toString(16)}` };
}

/**
 * The one statement replacing the index rows of the given rids (rows undefined = delete only).
 * Its text depends only on which tables receive rows and on `fresh` (rids created in this
 * transaction have no rows to delete), so there are few variants: each is a named prepared
 * statement PostgreSQL plans once per connection, and no statement carries empty inserts.
 */
export function buildIndexStatement(
  batch: readonly { rid: string; rows: IndexRows | undefined }[],
  options: { fresh?: boolean } = {},
): { name: string; text: string; values: unknown[] } {
  const values: unknown[] = [batch.map((b) => b.rid)];
  let mask = 0;
  KINDS.forEach((kind, k) => {
    const rids: string[] = [];
    const rows: Record<string, unknown>[] = [];
    for (const b of batch) {
      for (const row of (b.rows?.[kind] ?? []) as unknown as Record<string, unknown>[]) {
        rids.push(b.rid);
        rows.push(row);
      }
    }
    if (rids.length === 0) return;
    mask |= 1 << k;
    values.push(rids, ...columnArrays(kind, rows));
  });
  const name = `kolibri-index-${options.fresh ? 'f' : 'r'}${mask.toString(16)}`;
  let text = statements.get(name);
  if (text === undefined) statements.set(name, (text = statementText(mask, options.fresh ?? false)));
  return { name, text, values };
}

/** The statement for the tables in `mask`, parameters in the order buildIndexStatement pushes values. */
function statementText(mask: number, fresh: boolean): string {
  const ctes: string[] = [];
  let n = 1;
  KINDS.forEach((kind, k) => {
    const spec = TABLES[kind];
    if (!fresh) ctes.push(`del_${kind} AS (DELETE FROM ${spec.table} WHERE rid = ANY($1::bigint[]))`);
    if (!(mask & (1 << k))) return;
    const arrays: [string, string][] = [['rid', 'bigint'], ...arrayColumns(kind)];
    const placeholders = arrays.map(([, type]) => `$${++n}::${type}[]`);
    ctes.push(`ins_${kind} AS (INSERT INTO ${spec.table} (${arrays.map(([c]) => c).join(', ')}) SELECT * FROM unnest(${placeholders.join(', ')}))`);
  });
  // $1 (the batch's rids) is used by the deletes; the select keeps it typed when there are none
  return ctes.length ? `WITH ${ctes.join(',\n')}\nSELECT cardinality($1::bigint[])` : 'SELECT cardinality($1::bigint[])';
}
