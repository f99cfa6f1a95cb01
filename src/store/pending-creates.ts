import type { PoolClient } from 'pg';
import type { IndexEntry } from './index-writer';

/**
 * Many creates in one statement: the current rows, their first history rows and change-log rows from parallel
 * arrays. Parameters: types, ids, JSON texts, access patients (a JSON array text or NULL per
 * row), lastUpdated, owner. Returns each new row's rid with its type and id.
 */
const INSERT_CREATES = {
  name: 'kolibri-create-many',
  text: `WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS x(resource_type, id, content, access, n)),
  r AS (
    INSERT INTO resource (resource_type, id, version_id, last_updated, content, owner, access_patients)
    SELECT resource_type, id, 1, $5::timestamptz, content, $6::text,
           CASE WHEN access IS NULL THEN NULL ELSE ARRAY(SELECT json_array_elements_text(access::json)) END
      FROM input ORDER BY n RETURNING rid, resource_type, id),
  v AS (
    INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
    SELECT resource_type, id, 1, $5::timestamptz, 'POST', content FROM input ORDER BY n),
  c AS (
    INSERT INTO change_log (resource_type, id, version_id, operation, owner, recorded)
    SELECT resource_type, id, 1, 'create', $6::text, $5::timestamptz FROM input ORDER BY n)
  SELECT rid, resource_type, id FROM r`,
};

interface Create {
  key: string;
  resourceType: string;
  id: string;
  json: string;
  access: string[] | null;
  /** The index entry that waits for the rid. */
  entry: IndexEntry;
}

/**
 * The creates of one transaction not yet sent to the database. They are inserted together, in
 * one statement (per table a multi-row insert), as soon as anything else is asked of the
 * connection: `client` is the connection with a `query` that first inserts what is pending, so
 * every read (an access check, a search, a row lock, a write hook's query) sees every write the
 * transaction made before it, as if each had been sent at once. Only the order of failures
 * changes: a create the database refuses fails at the next statement rather than its own.
 */
export class PendingCreates {
  readonly client: PoolClient;
  private pending = new Map<string, Create>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly connection: PoolClient,
    private readonly now: string,
    private readonly owner: string | null,
  ) {
    const query = async (...args: unknown[]) => {
      await this.flush();
      return (connection.query as (...a: unknown[]) => unknown)(...args);
    };
    this.client = new Proxy(connection, {
      get: (target, property) => (property === 'query' ? query : Reflect.get(target, property, target)),
    });
  }

  /** Queue a create; returns its index entry, whose rid is filled in once it is inserted. */
  async add(resourceType: string, id: string, json: string, access: string[] | null): Promise<IndexEntry> {
    const key = `${resourceType}/${id}`;
    // the same resource twice is the database's error to report, at the create that repeats it
    if (this.pending.has(key)) await this.flush();
    const entry: IndexEntry = { rid: '', resourceType, resource: null, fresh: true, accessPatients: access };
    this.pending.set(key, { key, resourceType, id, json, access, entry });
    return entry;
  }

  /** Insert what is pending (one statement); resolves once it is in the transaction. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.insert(batch).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async insert(batch: readonly Create[]): Promise<void> {
    const { rows } = await this.connection.query({
      ...INSERT_CREATES,
      values: [
        batch.map((c) => c.resourceType),
        batch.map((c) => c.id),
        batch.map((c) => c.json),
        batch.map((c) => (c.access ? JSON.stringify(c.access) : null)),
        this.now,
        this.owner,
      ],
    });
    const ridOf = new Map<string, string>(rows.map((r: { rid: string; resource_type: string; id: string }) => [`${r.resource_type}/${r.id}`, r.rid]));
    for (const c of batch) c.entry.rid = ridOf.get(c.key) as string;
  }
}
