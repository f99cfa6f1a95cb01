import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { KeyRing, type KeyStorage } from '../../../src/auth/key-ring';
import type { StoredKey } from '../../../src/store/auth/key-store';

/** KeyStore's contract in memory (the PostgreSQL one is exercised by the integration tests). */
class MemoryKeys implements KeyStorage {
  keys: StoredKey[] = [];
  async usable(now: number): Promise<StoredKey[]> {
    return this.keys.filter((k) => k.retireAfter === undefined || k.retireAfter > now).sort((a, b) => b.createdAt - a.createdAt);
  }
  async rotate(key: StoredKey, retireAfter: number, onlyIfNewestOlderThan?: number): Promise<boolean> {
    const newest = Math.max(...this.keys.filter((k) => k.retiredAt === undefined).map((k) => k.createdAt));
    if (onlyIfNewestOlderThan !== undefined && Number.isFinite(newest) && newest >= onlyIfNewestOlderThan) return false;
    for (const k of this.keys) if (k.retiredAt === undefined) Object.assign(k, { retiredAt: key.createdAt, retireAfter });
    this.keys.push(key);
    return true;
  }
}

const DAY = 86_400_000;

describe('KeyRing', () => {
  let now = Date.parse('2026-03-01T08:00:00Z');
  const clock = { now: () => new Date(now) };

  const sign = async (ring: KeyRing) => {
    const { kid, alg, key } = await ring.signingKey();
    return new SignJWT({}).setProtectedHeader({ alg, kid }).sign(key);
  };
  const verifies = async (ring: KeyRing, jwt: string) => {
    const found = await ring.verificationKey(decodeProtectedHeader(jwt).kid as string);
    if (!found) return false;
    await jwtVerify(jwt, found.key);
    return true;
  };

  it('creates the first key, rotates by age, and lets retired keys verify until their tokens expired', async () => {
    const storage = new MemoryKeys();
    const ring = new KeyRing(storage, { alg: 'ES384', rotationDays: 30, tokenTtlSeconds: 300, clock, reloadMs: 0 });
    const first = await sign(ring);
    expect(storage.keys).toHaveLength(1);
    now += 29 * DAY;
    await sign(ring);
    expect(storage.keys).toHaveLength(1);

    now += 2 * DAY; // 31 days old: the next signature uses a new key
    const second = await sign(ring);
    expect(storage.keys).toHaveLength(2);
    expect(decodeProtectedHeader(second).kid).not.toBe(decodeProtectedHeader(first).kid);
    expect(await verifies(ring, first)).toBe(true);
    expect((await ring.jwks()).keys).toHaveLength(2);

    now += 300_000 + 60_000 + 1; // ttl + skew (reloadMs 0) later the old key is gone
    expect(await verifies(ring, first)).toBe(false);
    expect(await verifies(ring, second)).toBe(true);
    expect((await ring.jwks()).keys).toHaveLength(1);
  });

  it('does not rotate twice when another instance already rotated', async () => {
    const storage = new MemoryKeys();
    const a = new KeyRing(storage, { alg: 'RS384', rotationDays: 1, tokenTtlSeconds: 300, clock, reloadMs: 60_000 });
    const b = new KeyRing(storage, { alg: 'RS384', rotationDays: 1, tokenTtlSeconds: 300, clock, reloadMs: 60_000 });
    await sign(a);
    await sign(b);
    expect(storage.keys).toHaveLength(1);
    now += 2 * DAY;
    await sign(a);
    await sign(b); // b's cache still has the old key as current; its rotation is skipped
    expect(storage.keys).toHaveLength(2);
  });

  it('publishes a key before the first token is signed, and that key signs it', async () => {
    const storage = new MemoryKeys();
    const a = new KeyRing(storage, { alg: 'ES384', rotationDays: 30, tokenTtlSeconds: 300, clock, reloadMs: 60_000 });
    const b = new KeyRing(storage, { alg: 'ES384', rotationDays: 30, tokenTtlSeconds: 300, clock, reloadMs: 60_000 });
    const [setA, setB] = await Promise.all([a.jwks(), b.jwks()]);
    expect(storage.keys).toHaveLength(1);
    expect(setA.keys.map((k) => k.kid)).toEqual([storage.keys[0].kid]);
    expect(setB.keys.map((k) => k.kid)).toEqual([storage.keys[0].kid]);
    expect(decodeProtectedHeader(await sign(b)).kid).toBe(storage.keys[0].kid);
  });
});
