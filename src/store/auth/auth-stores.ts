import type { Pool } from 'pg';
import { ClientStore } from './client-store';
import { JtiStore } from './jti-store';
import { KeyStore } from './key-store';
import { RateWindows } from './rate-windows';
import { RefreshTokenStore } from './refresh-token-store';

/** The authorization server's tables, each behind its store. */
export interface AuthStores {
  clients: ClientStore;
  keys: KeyStore;
  jtis: JtiStore;
  rateWindows: RateWindows;
  refreshTokens: RefreshTokenStore;
}

/** The auth stores on one pool. */
export function authStores(pool: Pool): AuthStores {
  return {
    clients: new ClientStore(pool),
    keys: new KeyStore(pool),
    jtis: new JtiStore(pool),
    rateWindows: new RateWindows(pool),
    refreshTokens: new RefreshTokenStore(pool),
  };
}
