import type { Pool } from 'pg';

const PRUNE_EVERY_MS = 60_000;

/**
 * Replay protection for client assertions (RFC 7523 §3, item 7): a `jti` is accepted once per
 * client while the assertion is valid. Rows live in PostgreSQL (auth_assertion_jti) so every
 * instance sees every other's; expired rows are pruned now and then.
 */
export class JtiStore {
  private lastPrune = 0;

  constructor(private readonly pool: Pool) {}

  /**
   * Record `jti` until `expiresAt` (epoch ms). False when it was already recorded and has not
   * expired: a replay. One statement, so two instances racing on one jti cannot both win.
   */
  async consume(clientId: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO auth_assertion_jti (client_id, jti, expires_at) VALUES ($1, $2, to_timestamp($3 / 1000.0))
       ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
        WHERE auth_assertion_jti.expires_at <= to_timestamp($4 / 1000.0)`,
      [clientId, jti, expiresAt, now],
    );
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      // pruned by the database's clock: an instance whose clock runs ahead must not drop others' rows
      await this.pool.query(`DELETE FROM auth_assertion_jti WHERE expires_at < now() - interval '1 minute'`);
    }
    return rowCount === 1;
  }
}
