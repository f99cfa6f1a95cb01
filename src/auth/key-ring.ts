import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import type { Clock } from '../clock';
import type { KeyStore, StoredKey } from '../store/auth/key-store';

/** What the ring needs from storage (KeyStore in PostgreSQL; a fake in unit tests). */
export type KeyStorage = Pick<KeyStore, 'usable' | 'rotate'>;

export interface KeyRingOptions {
  alg: 'ES384' | 'RS384';
  /** Rotate automatically when the signing key is this old; 0 = never automatically. */
  rotationDays: number;
  /** Longest lifetime of a token a key signs (retired keys verify this long, plus slack). */
  tokenTtlSeconds: number;
  clock: Clock;
  /** How long loaded keys are trusted before re-reading (another instance may have rotated). */
  reloadMs?: number;
}

const DAY_MS = 86_400_000;
const SKEW_MS = 60_000;

/**
 * The server's signing keys: loaded from PostgreSQL and cached; the newest unretired key signs,
 * retired ones verify until every token they signed has expired. Keys are rotated on request
 * (CLI, admin API) or automatically by age. Signing always reads the current key; verification
 * trusts its cache for reloadMs (an unknown kid re-reads at once), so a retired key verifies for
 * ttl + reloadMs + skew.
 */
export class KeyRing {
  private keys: StoredKey[] = [];
  private loadedAt = -Infinity;
  private loading: Promise<void> | undefined;
  private readonly imported = new Map<string, Promise<CryptoKey>>();
  private readonly reloadMs: number;

  constructor(private readonly store: KeyStorage, private readonly options: KeyRingOptions) {
    this.reloadMs = options.reloadMs ?? 30_000;
  }

  /**
   * The key to sign with now; creates the first key, rotates an old one. Read from the database
   * on every call (one indexed query per issued token, which is rare next to verification), so a
   * rotation on one instance makes every instance sign with the new key at once.
   */
  async signingKey(): Promise<{ kid: string; alg: string; key: CryptoKey }> {
    await this.reload();
    const now = this.now();
    let current = this.keys.find((k) => k.retiredAt === undefined);
    const maxAge = this.options.rotationDays * DAY_MS;
    if (!current || (maxAge > 0 && now - current.createdAt >= maxAge)) {
      // only if no instance beat us to it: no key at all, or still none newer than maxAge
      await this.rotateIf(current ? now - maxAge : -Infinity);
      current = this.keys.find((k) => k.retiredAt === undefined);
      if (!current) throw new Error('no signing key after rotation');
    }
    return { kid: current.kid, alg: current.alg, key: await this.importKey(current, 'private') };
  }

  /** The public key with this kid, when it still verifies (re-reads once for an unknown kid). */
  async verificationKey(kid: string): Promise<{ alg: string; key: CryptoKey } | undefined> {
    await this.fresh();
    let found = this.keys.find((k) => k.kid === kid);
    if (!found && performance.now() - this.loadedAt > 1000) {
      await this.reload();
      found = this.keys.find((k) => k.kid === kid);
    }
    if (!found || (found.retireAfter !== undefined && found.retireAfter <= this.now())) return undefined;
    return { alg: found.alg, key: await this.importKey(found, 'public') };
  }

  /**
   * Public keys that verify now, for /.well-known/jwks.json. Never empty: verifiers cache this
   * document (max-age), so a set published before the first key existed would leave them unable
   * to check the first tokens; the signing key is made here when there is none yet.
   */
  async jwks(): Promise<JSONWebKeySet> {
    await this.fresh();
    if (!this.keys.some((k) => k.retiredAt === undefined)) await this.ensureSigningKey();
    const now = this.now();
    return {
      keys: this.keys
        .filter((k) => k.retireAfter === undefined || k.retireAfter > now)
        .map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })),
    };
  }

  /**
   * Make the first signing key unless one exists; returns the signing kid. Safe when several
   * instances start on one empty database at once: the store's rotation lock lets one of them
   * create the key and the others find it (rotateIf skips when any unretired key exists).
   */
  async ensureSigningKey(): Promise<string> {
    await this.reload();
    const current = this.keys.find((k) => k.retiredAt === undefined);
    return current ? current.kid : this.rotateIf(-Infinity);
  }

  /** Make a new signing key now; the previous ones verify until their tokens have expired. */
  rotate(): Promise<string> {
    return this.rotateIf(undefined);
  }

  /** Rotate unless the newest signing key was made at or after `newestBefore`. Returns the signing kid. */
  private async rotateIf(newestBefore: number | undefined): Promise<string> {
    const now = this.now();
    const { publicKey, privateKey } = await generateKeyPair(this.options.alg, { extractable: true });
    const key: StoredKey = {
      kid: randomUUID(),
      alg: this.options.alg,
      publicJwk: await exportJWK(publicKey),
      privateJwk: await exportJWK(privateKey),
      createdAt: now,
    };
    const retireAfter = now + this.options.tokenTtlSeconds * 1000 + this.reloadMs + SKEW_MS;
    await this.store.rotate(key, retireAfter, newestBefore);
    await this.reload();
    return this.keys.find((k) => k.retiredAt === undefined)?.kid ?? key.kid;
  }

  private now(): number {
    return this.options.clock.now().getTime();
  }

  /** Cache ages are measured on the monotonic clock; validity (expiry, rotation age) on the injected one. */
  private async fresh(): Promise<void> {
    if (performance.now() - this.loadedAt < this.reloadMs) return;
    await this.reload();
  }

  private reload(): Promise<void> {
    this.loading ??= this.store
      .usable(this.now())
      .then((keys) => {
        this.keys = keys;
        this.loadedAt = performance.now();
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  private importKey(key: StoredKey, which: 'public' | 'private'): Promise<CryptoKey> {
    const id = `${key.kid}:${which}`;
    let found = this.imported.get(id);
    if (!found) {
      const jwk: JWK = which === 'public' ? key.publicJwk : key.privateJwk;
      found = importJWK(jwk, key.alg) as Promise<CryptoKey>;
      this.imported.set(id, found);
    }
    return found;
  }
}
