import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

/** What a refresh token stands for (the row of auth_refresh_token, without its hash). */
export interface RefreshGrant {
  familyId: string;
  clientId: string;
  scope: string;
  practitioner?: string;
  /** Epoch ms when the family ends. */
  expiresAt: number;
}

/** Why a presented refresh token cannot be used; the token endpoint answers all of them alike. */
export type RefreshRefusal = 'unknown' | 'expired' | 'revoked' | 'reused';

interface Row {
  family_id: string;
  client_id: string;
  scope: string;
  practitioner: string | null;
  expires_ms: string;
  used: boolean;
  revoked: boolean;
}

const PRUNE_EVERY_MS = 60_000;

const hash = (token: string): string => createHash('sha256').update(token).digest('base64url');

/**
 * Rotating refresh tokens in PostgreSQL (table auth_refresh_token, see migrations/015): opaque
 * random strings, stored hashed. `find` reads without spending, so that a refused refresh
 * (a context the client may not take) leaves the token usable; `spend` marks it used in one
 * statement, so of two requests racing with one token only one wins.
 */
export class RefreshTokenStore {
  private lastPrune = 0;

  constructor(private readonly pool: Pool) {}

  /** A new token: of a new family (expiring at `expiresAt`) or the next of `grant`'s family. */
  async issue(grant: Omit<RefreshGrant, 'familyId'> & { familyId?: string }): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.pool.query(
      `INSERT INTO auth_refresh_token (token_hash, family_id, client_id, scope, practitioner, expires_at)
       VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0))`,
      [hash(token), grant.familyId ?? randomUUID(), grant.clientId, grant.scope, grant.practitioner ?? null, grant.expiresAt],
    );
    if (performance.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = performance.now();
      await this.prune();
    }
    return token;
  }

  /** The grant of a usable token, or why it is not usable. A spent token presented again revokes its family. */
  async find(token: string, now: number): Promise<RefreshGrant | RefreshRefusal> {
    const { rows } = await this.pool.query<Row>(
      `SELECT family_id, client_id, scope, practitioner, (extract(epoch FROM expires_at) * 1000)::bigint AS expires_ms,
              used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked
         FROM auth_refresh_token WHERE token_hash = $1`,
      [hash(token)],
    );
    const row = rows[0];
    if (!row) return 'unknown';
    if (row.revoked) return 'revoked';
    if (row.used) {
      await this.revokeFamily(row.family_id);
      return 'reused';
    }
    if (Number(row.expires_ms) <= now) return 'expired';
    return {
      familyId: row.family_id,
      clientId: row.client_id,
      scope: row.scope,
      ...(row.practitioner ? { practitioner: row.practitioner } : {}),
      expiresAt: Number(row.expires_ms),
    };
  }

  /** Spend a token; false when it was spent or revoked meanwhile (then its family is revoked). */
  async spend(token: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ family_id: string }>(
      `UPDATE auth_refresh_token SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING family_id`,
      [hash(token)],
    );
    if (rows.length) return true;
    const { rows: found } = await this.pool.query<{ family_id: string }>('SELECT family_id FROM auth_refresh_token WHERE token_hash = $1', [hash(token)]);
    if (found[0]) await this.revokeFamily(found[0].family_id);
    return false;
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.pool.query('UPDATE auth_refresh_token SET revoked_at = coalesce(revoked_at, now()) WHERE family_id = $1', [familyId]);
  }

  /** Drop families that ended more than a day ago (kept a day so that a late reuse is still recognised); by the database's clock. */
  async prune(): Promise<void> {
    await this.pool.query(`DELETE FROM auth_refresh_token WHERE expires_at < now() - interval '1 day'`);
  }
}
