import type { JWK } from 'jose';
import type { Pool } from 'pg';

/** One of the server's signing keys, as stored. Times are epoch milliseconds. */
export interface StoredKey {
  kid: string;
  alg: 'ES384' | 'RS384';
  publicJwk: JWK;
  privateJwk: JWK;
  createdAt: number;
  /** When it stopped signing; undefined while it is the signing key. */
  retiredAt?: number;
  /** When it stops verifying (every token it signed has expired). */
  retireAfter?: number;
}

// Any constant; shared by every instance on one database so rotations take turns.
const ROTATION_LOCK = 0x4b6f6b79; // 'Koky'

interface KeyRow {
  kid: string;
  alg: StoredKey['alg'];
  public_jwk: JWK;
  private_jwk: JWK;
  created_ms: number;
  retired_ms: number | null;
  retire_after_ms: number | null;
}

const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/** The server's signing keys in PostgreSQL (table auth_server_key). */
export class KeyStore {
  constructor(private readonly pool: Pool) {}

  /** Keys that still verify at `now`, newest first. */
  async usable(now: number): Promise<StoredKey[]> {
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT kid, alg, public_jwk, private_jwk, ${ms('created_at')} AS created_ms,
              ${ms('retired_at')} AS retired_ms, ${ms('retire_after')} AS retire_after_ms
         FROM auth_server_key
        WHERE retire_after IS NULL OR retire_after > to_timestamp($1 / 1000.0)
        ORDER BY created_at DESC, kid`,
      [now],
    );
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      publicJwk: r.public_jwk,
      privateJwk: r.private_jwk,
      createdAt: r.created_ms,
      ...(r.retired_ms !== null ? { retiredAt: r.retired_ms } : {}),
      ...(r.retire_after_ms !== null ? { retireAfter: r.retire_after_ms } : {}),
    }));
  }

  /**
   * Make `key` the signing key and retire the others (they verify until `retireAfter`), under
   * an advisory lock. With `onlyIfNewestOlderThan`, nothing happens when another instance has
   * already rotated (its key is newer than that): automatic rotation on several instances.
   * Returns whether the key was stored. Keys retired long ago are deleted on the way.
   */
  async rotate(key: StoredKey, retireAfter: number, onlyIfNewestOlderThan?: number): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [ROTATION_LOCK]);
      if (onlyIfNewestOlderThan !== undefined) {
        const { rows } = await client.query<{ newest: number | null }>(
          `SELECT ${ms('max(created_at)')} AS newest FROM auth_server_key WHERE retired_at IS NULL`,
        );
        const newest = rows[0]?.newest;
        if (newest !== null && newest !== undefined && newest >= onlyIfNewestOlderThan) {
          await client.query('COMMIT');
          return false;
        }
      }
      await client.query(
        `UPDATE auth_server_key SET retired_at = to_timestamp($1 / 1000.0), retire_after = to_timestamp($2 / 1000.0)
          WHERE retired_at IS NULL`,
        [key.createdAt, retireAfter],
      );
      await client.query(
        `INSERT INTO auth_server_key (kid, alg, public_jwk, private_jwk, created_at)
         VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0))`,
        [key.kid, key.alg, JSON.stringify(key.publicJwk), JSON.stringify(key.privateJwk), key.createdAt],
      );
      await client.query(`DELETE FROM auth_server_key WHERE retire_after < now() - interval '1 day'`);
      await client.query('COMMIT');
      return true;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
