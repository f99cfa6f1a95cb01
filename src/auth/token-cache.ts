import { createHash } from 'node:crypto';
import type { AuthContext } from './context';

interface Entry {
  auth: AuthContext;
  /** Epoch ms after which the entry is not used (the token's `exp`). */
  expiresAt: number;
}

/**
 * Access tokens this server verified, by the SHA-256 of the token text, until their `exp`: a
 * client sends the same bearer token with every request, and an ES384 signature check costs
 * far more than the request's own work. Least recently used entries go first once `maxEntries`
 * are held. Safe because nothing that verification checks changes during a token's life: the
 * signature and claims are fixed, and a signing key verifies until every token it signed has
 * expired (KeyRing). What can change, the client's status (revocation), is not cached here:
 * AuthService checks it on every request. Access tokens carry no replay rule (only client
 * assertions do, at the token endpoint).
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 10_000) {}

  /** The AuthContext of a token verified earlier and not expired at `now` (epoch ms). */
  get(token: string, now: number): AuthContext | undefined {
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.entries.set(key, entry); // most recently used last
    return entry.auth;
  }

  /** Remember a verified token until `exp` (seconds since the epoch). */
  set(token: string, auth: AuthContext, exp: number): void {
    const key = keyOf(token);
    this.entries.delete(key);
    this.entries.set(key, { auth: freeze(auth), expiresAt: exp * 1000 });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}

function keyOf(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}

/** One AuthContext serves many requests: none of them may change it. */
function freeze(auth: AuthContext): AuthContext {
  for (const scope of auth.scopes) Object.freeze(scope);
  Object.freeze(auth.scopes);
  return Object.freeze(auth);
}
