import { chmodSync, writeFileSync } from 'node:fs';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { ASSERTION_ALGORITHMS } from '../auth/client-assertion';

/** What `kolibri clients keygen` wrote. */
export interface GeneratedKey {
  kid: string;
  alg: string;
  privateFile: string;
  jwksFile: string;
}

/**
 * A vendor's key pair for SMART Backend Services
 * (https://hl7.org/fhir/smart-app-launch/backend-services.html#registering-a-smart-backend-service):
 * `<out>.private.jwk.json` (mode 0600; signs the client assertions, never leaves the vendor) and
 * `<out>.jwks.json` (the public JWKS to register with `clients add --jwks` or to serve at a
 * `jwks_uri`). The kid defaults to the key's RFC 7638 thumbprint. Existing files are never
 * overwritten: losing a registered private key locks the client out.
 */
export async function generateClientKey(options: { alg?: string; kid?: string; out: string }): Promise<GeneratedKey> {
  const alg = options.alg ?? 'ES384';
  if (!ASSERTION_ALGORITHMS.includes(alg)) throw new Error(`--alg must be one of ${ASSERTION_ALGORITHMS.join(', ')}, got '${alg}'`);
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = options.kid ?? (await calculateJwkThumbprint(publicJwk));
  const stamp = (jwk: JWK): JWK => ({ ...jwk, kid, alg, use: 'sig' });
  const privateFile = `${options.out}.private.jwk.json`;
  const jwksFile = `${options.out}.jwks.json`;
  writeFileSync(privateFile, `${JSON.stringify(stamp(await exportJWK(privateKey)), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(privateFile, 0o600); // whatever the umask
  try {
    writeFileSync(jwksFile, `${JSON.stringify({ keys: [stamp(publicJwk)] }, null, 2)}\n`, { flag: 'wx' });
  } catch (err) {
    throw new Error(`${(err as Error).message} (the private key is in ${privateFile})`);
  }
  return { kid, alg, privateFile, jwksFile };
}
