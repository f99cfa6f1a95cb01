import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/** The search-index rows of one stored resource, as SQL literals ready to be inserted again. */
export interface IndexTemplate {
  tables: Array<{ table: string; columns: string[]; rows: string[][] }>;
  /** Index rows in all tables together. */
  rowCount: number;
}

/**
 * Read back the index rows the server wrote for `resourceType/id` from every index table
 * (search_* and resource_compartment), whatever their columns are today, so the calibration
 * inserts exactly as many and as wide rows as the server does, without knowing the writer.
 */
export async function captureIndexRows(url: string, resourceType: string, id: string): Promise<IndexTemplate> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ table: string }>(
      `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname = current_schema()
          AND (c.relname LIKE 'search\\_%' OR c.relname = 'resource_compartment')
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'rid')
        ORDER BY c.relname`,
    );
    const template: IndexTemplate = { tables: [], rowCount: 0 };
    for (const { table } of tables) {
      const { rows: columns } = await client.query<{ name: string; type: string }>(
        `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
          WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' AND attname <> 'rid'
          ORDER BY attnum`,
        [table],
      );
      const select = columns.map((c) => `coalesce(quote_literal(${client.escapeIdentifier(c.name)}), 'NULL') || '::${c.type}'`).join(', ');
      const { rows } = await client.query<string[]>({
        text: `SELECT ${select} FROM ${client.escapeIdentifier(table)} WHERE rid = (SELECT rid FROM resource WHERE resource_type = $1 AND id = $2)`,
        values: [resourceType, id],
        rowMode: 'array',
      });
      if (!rows.length) continue;
      template.tables.push({ table, columns: columns.map((c) => c.name), rows });
      template.rowCount += rows.length;
    }
    return template;
  } finally {
    await client.end();
  }
}

/**
 * `WITH …` clauses inserting the template's rows for the rid of CTE `r`: one multi-row INSERT
 * per table, all in the statement that writes the resource, i.e. the fewest round trips a
 * hand-written client could use.
 */
export function indexInsertClauses(template: IndexTemplate, escapeIdentifier: (s: string) => string): string[] {
  return template.tables.map(({ table, columns, rows }, i) => {
    const names = columns.map(escapeIdentifier);
    const values = rows.map((row) => `(${row.join(', ')})`).join(', ');
    const aliases = columns.map((_c, j) => `c${j}`);
    return `i${i} AS (INSERT INTO ${escapeIdentifier(table)} (rid, ${names.join(', ')})
      SELECT r.rid, ${aliases.map((a) => `x.${a}`).join(', ')} FROM r, (VALUES ${values}) AS x(${aliases.join(', ')}))`;
  });
}

/**
 * The template with `from` replaced by `to` in every value, e.g. the bench patient's id by a
 * stand-in of the same length: the calibration then writes rows of the same size that no
 * scenario's search or access check ever matches, instead of adding thousands of Observations
 * to the patient the scenarios search.
 */
export function retarget(template: IndexTemplate, from: string, to: string): IndexTemplate {
  return {
    rowCount: template.rowCount,
    tables: template.tables.map((t) => ({ ...t, rows: t.rows.map((row) => row.map((literal) => literal.split(from).join(to))) })),
  };
}

/** A random id as long as `like` (for retarget). */
export function standInId(like: string): string {
  let id = '';
  while (id.length < like.length) id += randomUUID().replace(/-/g, '');
  return id.slice(0, like.length);
}
