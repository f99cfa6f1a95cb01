import type { JWTPayload } from 'jose';
import { createTestApp, type TestApp } from '../../support/app';
import { freePort } from '../../support/free-port';
import type { AuthSettings } from '../../../src/auth/config';
import type { Clock } from '../../../src/clock';
import { ASSERTION_TYPE, assertion, type VendorApp } from './vendor-app';

/** A Kolibri listening on loopback with authentication on, reached over real HTTP. */
export interface FutServer {
  t: TestApp;
  root: string;
  fhirBase: string;
  close(): Promise<void>;
}

/** `authSettings` may depend on the FHIR base (an external issuer's audience). */
export async function startFutServer(
  options: { authSettings?: Partial<AuthSettings> | ((fhirBase: string) => Partial<AuthSettings>); clock?: Clock } = {},
): Promise<FutServer> {
  const port = await freePort();
  const root = `http://127.0.0.1:${port}`;
  const settings = options.authSettings;
  const authSettings = typeof settings === 'function' ? settings(`${root}/fhir`) : settings;
  const t = await createTestApp({ auth: 'on', baseUrl: `${root}/fhir`, clock: options.clock, authSettings });
  await t.app.listen({ port, host: '127.0.0.1' });
  return { t, root, fhirBase: `${root}/fhir`, close: () => t.close() };
}

/** The context a FUT client sends on its refresh_token grant (absolute URLs, or anything to test with). */
export interface FutContext {
  organization_id?: string;
  care_team_id?: string;
  patient_id?: string;
  episode_of_care_id?: string;
}

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown> & { access_token?: string; refresh_token?: string; error?: string; error_description?: string };
}

/**
 * A client driving Kolibri the way the national infrastructure's reference clients drive its
 * Keycloak: a first token, the contexts listing, a refresh_token grant with the chosen context
 * as extra form parameters, then FHIR requests with the new token. Every call is real HTTP.
 */
export class FutClient {
  constructor(readonly server: FutServer, readonly app: VendorApp, private readonly now: () => number = Date.now) {}

  private async post(form: Record<string, string>): Promise<TokenAnswer> {
    const res = await fetch(`${this.server.root}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, body: (await res.json()) as TokenAnswer['body'] };
  }

  private async clientAuth(claims?: JWTPayload): Promise<Record<string, string>> {
    return {
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(this.app, { audience: `${this.server.root}/auth/token`, claims, now: this.now() }),
    };
  }

  /** The first token (client_credentials; a clinician app asserts its practitioner). */
  async login(scope: string, claims?: JWTPayload): Promise<TokenAnswer> {
    return this.post({ grant_type: 'client_credentials', scope, ...(await this.clientAuth(claims)) });
  }

  /** The context-setting refresh_token grant. */
  async refresh(refreshToken: string, context: FutContext, extra: Record<string, string> = {}): Promise<TokenAnswer> {
    const params = Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined)) as Record<string, string>;
    return this.post({ grant_type: 'refresh_token', refresh_token: refreshToken, ...params, ...extra, ...(await this.clientAuth()) });
  }

  async contexts(accessToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.server.root}/resource/ehealth-connect/contexts`, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async fhir(accessToken: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.server.fhirBase}/${path}`, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/fhir+json' } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
}

/** The ids of a contexts listing's entries of one kind. */
export const idsOf = (body: Record<string, unknown>, kind: string): string[] => ((body[kind] ?? []) as Array<{ id: string }>).map((o) => o.id).sort();
