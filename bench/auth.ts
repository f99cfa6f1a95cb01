// https://hl7.org/fhir/smart-app-launch/backend-services.html
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ALG = 'ES384';

/** What the server child registers and seeds for the benchmark client (see server-main.ts). */
export interface BenchGrant {
  clientId: string;
  /** 'Organization/<id>': the organization the client acts for. */
  organization: string;
  publicJwk: JWK;
}

/** What the server child answers after seeding: the patient the bench data belongs to. */
export interface BenchSeed {
  patientId: string;
  episodeId: string;
}

/** The benchmark's vendor app: a key pair, a client id and an organization. */
export interface BenchClient {
  grant: BenchGrant;
  /** Sign a client assertion and exchange it for an access token at `tokenUrl`. */
  token(tokenUrl: string, scope: string): Promise<string>;
}

/**
 * A SMART Backend Services client with a fresh ES384 key, as a vendor app registers with
 * `kolibri clients add`: the server stores only the public key and verifies a private_key_jwt
 * assertion signed with the private key on every token request.
 */
export async function createBenchClient(): Promise<BenchClient> {
  const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = randomUUID();
  const suffix = randomUUID().slice(0, 8);
  const grant: BenchGrant = {
    clientId: `kolibri-bench-${suffix}`,
    organization: `Organization/bench-${suffix}`,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALG },
  };
  return {
    grant,
    async token(tokenUrl, scope) {
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({ iss: grant.clientId, sub: grant.clientId, aud: tokenUrl, iat: now, exp: now + 240, jti: randomUUID() })
        .setProtectedHeader({ alg: ALG, kid, typ: 'JWT' })
        .sign(privateKey);
      const res = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope }).toString(),
      });
      const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (res.status !== 200 || !body.access_token) throw new Error(`token request failed: ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`);
      return body.access_token;
    },
  };
}
