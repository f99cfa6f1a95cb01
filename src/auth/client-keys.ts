import { createLocalJWKSet, createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Client } from './client-registration';

/** How long a fetched jwks_uri is used before fetching it again, and how often a miss may refetch. */
const REMOTE = { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000, timeoutDuration: 5_000 };

/**
 * Key resolvers for client assertions: a registered client's inline JWKS, or its `jwks_uri`
 * fetched and cached by jose's createRemoteJWKSet (one cache per URL, shared by requests; a
 * `kid` not in the cache triggers a refetch, at most once per cooldown, so key rotation on the
 * client's side is picked up).
 */
export class ClientKeySets {
  private readonly remote = new Map<string, JWTVerifyGetKey>();
  private readonly local = new Map<string, { source: string; resolver: JWTVerifyGetKey }>();

  resolver(client: Client): JWTVerifyGetKey {
    if (client.jwksUri) {
      let found = this.remote.get(client.jwksUri);
      if (!found) {
        found = createRemoteJWKSet(new URL(client.jwksUri), REMOTE);
        this.remote.set(client.jwksUri, found);
      }
      return found;
    }
    const source = JSON.stringify(client.jwks);
    const cached = this.local.get(client.clientId);
    if (cached && cached.source === source) return cached.resolver;
    const resolver = createLocalJWKSet(client.jwks ?? { keys: [] });
    this.local.set(client.clientId, { source, resolver });
    return resolver;
  }
}
