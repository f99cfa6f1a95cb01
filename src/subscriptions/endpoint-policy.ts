import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where rest-hook notifications may go. `prefixes` (KOLIBRI_SUBSCRIPTION_ENDPOINTS): an endpoint
 * is allowed when it starts with one of them, and nothing else is checked (an operator's
 * explicit list). Without prefixes: `https:` only, and no host that is or resolves to a private,
 * loopback, link-local, shared, multicast or unspecified address (a subscriber must not make the
 * server call into its own network).
 */
export interface EndpointPolicy {
  prefixes?: readonly string[];
}

/** Resolves a host name to all its addresses. */
export type Resolve = (host: string) => Promise<string[]>;

export const resolveAll: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv6');
}

/** Whether an IP address is one a default policy refuses (IPv4-mapped IPv6 as its IPv4). */
export function isBlockedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isBlockedAddress(mapped[1]);
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Why `endpoint` is not allowed, or undefined when it is. Called when a subscription is accepted
 * and again before each delivery (a name may resolve elsewhere later).
 */
export async function endpointRefusal(endpoint: string, policy: EndpointPolicy, resolve: Resolve = resolveAll): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'the endpoint is not an absolute URL';
  }
  if (url.username || url.password) return 'the endpoint must not carry credentials in the URL (use channel.header)';
  if (policy.prefixes?.length) {
    return policy.prefixes.some((p) => url.href.startsWith(p)) ? undefined : 'the endpoint is not under an allowed URL prefix (KOLIBRI_SUBSCRIPTION_ENDPOINTS)';
  }
  if (url.protocol !== 'https:') return 'the endpoint must be an https:// URL';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    return `the endpoint's host ${host} does not resolve`;
  }
  if (!addresses.length || addresses.some(isBlockedAddress)) return 'the endpoint is a private, loopback or link-local address';
  return undefined;
}
