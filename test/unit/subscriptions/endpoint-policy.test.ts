import { endpointRefusal, isBlockedAddress, type Resolve } from '../../../src/subscriptions/endpoint-policy';

const resolvesTo = (...addresses: string[]): Resolve => async () => addresses;

describe('rest-hook endpoint policy', () => {
  it('by default allows https to public addresses only', async () => {
    expect(await endpointRefusal('https://hooks.example.dk/kolibri', {}, resolvesTo('93.184.216.34'))).toBeUndefined();
    expect(await endpointRefusal('http://hooks.example.dk/kolibri', {}, resolvesTo('93.184.216.34'))).toMatch(/https/);
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '100.64.0.1']) {
      expect(await endpointRefusal('https://hooks.example.dk/', {}, resolvesTo(address))).toMatch(/private, loopback or link-local/);
    }
    // one private address among public ones is enough to refuse
    expect(await endpointRefusal('https://hooks.example.dk/', {}, resolvesTo('93.184.216.34', '10.0.0.1'))).toBeDefined();
    // IP literals are checked without resolving
    expect(await endpointRefusal('https://127.0.0.1:8443/', {}, resolvesTo('93.184.216.34'))).toBeDefined();
    expect(await endpointRefusal('https://[::1]/', {}, resolvesTo('93.184.216.34'))).toBeDefined();
    expect(await endpointRefusal('https://hooks.example.dk/', {}, async () => Promise.reject(new Error('ENOTFOUND')))).toMatch(/does not resolve/);
  });

  it('with prefixes allows exactly what starts with one of them', async () => {
    const policy = { prefixes: ['http://127.0.0.1:9999/hooks/'] };
    expect(await endpointRefusal('http://127.0.0.1:9999/hooks/a', policy)).toBeUndefined();
    expect(await endpointRefusal('http://127.0.0.1:9999/other', policy)).toMatch(/prefix/);
    // a look-alike host does not pass a prefix by string tricks
    expect(await endpointRefusal('http://127.0.0.1:9999@evil.example/hooks/a', policy)).toBeDefined();
  });

  it('refuses what is not a URL or carries credentials', async () => {
    expect(await endpointRefusal('not a url', {})).toMatch(/absolute URL/);
    expect(await endpointRefusal('https://user:pw@hooks.example.dk/', {}, resolvesTo('93.184.216.34'))).toMatch(/credentials/);
  });

  it('classifies addresses', () => {
    expect(isBlockedAddress('8.8.8.8')).toBe(false);
    expect(isBlockedAddress('2001:4860:4860::8888')).toBe(false);
    expect(isBlockedAddress('fe80::abcd')).toBe(true);
    expect(isBlockedAddress('not-an-ip')).toBe(true);
  });
});
