import { VerifiedTokenCache } from '../../../src/auth/token-cache';
import type { AuthContext } from '../../../src/auth/context';

const auth = (clientId: string): AuthContext => ({ clientId, kind: 'system', scopes: [] });
const EXP = 1_800_000_000; // seconds

describe('VerifiedTokenCache', () => {
  it('answers a verified token until its exp, and never after', () => {
    const cache = new VerifiedTokenCache();
    cache.set('a.b.c', auth('app'), EXP);
    expect(cache.get('a.b.c', EXP * 1000 - 1)?.clientId).toBe('app');
    expect(cache.get('a.b.d', EXP * 1000 - 1)).toBeUndefined();
    expect(cache.get('a.b.c', EXP * 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the least recently used', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('t1', auth('1'), EXP);
    cache.set('t2', auth('2'), EXP);
    cache.get('t1', 0);
    cache.set('t3', auth('3'), EXP);
    expect(cache.size).toBe(2);
    expect(cache.get('t2', 0)).toBeUndefined();
    expect(cache.get('t1', 0)?.clientId).toBe('1');
    expect(cache.get('t3', 0)?.clientId).toBe('3');
  });

  it('hands out a context no request can change', () => {
    const cache = new VerifiedTokenCache();
    cache.set('t', { clientId: 'app', kind: 'system', scopes: [{ context: 'system', type: '*', interactions: ['read'] }] as unknown as AuthContext['scopes'] }, EXP);
    const got = cache.get('t', 0) as AuthContext;
    expect(Object.isFrozen(got)).toBe(true);
    expect(Object.isFrozen(got.scopes)).toBe(true);
    expect(Object.isFrozen(got.scopes[0])).toBe(true);
  });
});
