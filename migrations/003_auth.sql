-- Kolibri authorization server state. Everything lives in PostgreSQL so that several instances
-- behind one load balancer share clients, signing keys, replay protection and rate limits.
--
-- auth_client         registered OAuth clients (SMART Backend Services, private_key_jwt):
--                     kind, organization, allowed scopes, public keys (inline JWKS or jwks_uri).
--                     Revocation keeps the row (audit trails name client ids).
-- auth_server_key     the server's own signing keys for access tokens. The newest unretired key
--                     signs; retired keys stay published (and verify) until retire_after, when
--                     every token they signed has expired. Private keys are stored as JWK.
-- auth_assertion_jti  jti of every accepted client assertion until its exp (RFC 7523 §3,
--                     replay protection); expired rows are pruned.
-- auth_rate_window    fixed one-minute request counters per client. UNLOGGED: a transaction that
--                     only touches it writes no WAL, so its commit does not wait for a WAL flush
--                     (the per-request upsert stays cheap); after a crash or on a standby the
--                     counters start from zero, which a rate limit can afford.

CREATE TABLE auth_client (
  client_id     text PRIMARY KEY CHECK (client_id ~ '^[A-Za-z0-9._~-]{1,128}$'),
  name          text,
  kind          text        NOT NULL CHECK (kind IN ('system', 'clinician', 'citizen')),
  organization  text        NOT NULL CHECK (organization ~ '^Organization/[A-Za-z0-9.-]{1,64}$'),
  scopes        text[]      NOT NULL,
  jwks          jsonb,
  jwks_uri      text,
  status        text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz,
  CONSTRAINT auth_client_keys_ck CHECK ((jwks IS NULL) <> (jwks_uri IS NULL))
);

CREATE TABLE auth_server_key (
  kid           text PRIMARY KEY,
  alg           text        NOT NULL CHECK (alg IN ('ES384', 'RS384')),
  public_jwk    jsonb       NOT NULL,
  private_jwk   jsonb       NOT NULL,
  created_at    timestamptz NOT NULL,
  retired_at    timestamptz,
  -- when retired: the moment the last token it signed has expired; then it stops verifying
  retire_after  timestamptz
);

CREATE TABLE auth_assertion_jti (
  client_id     text        NOT NULL,
  jti           text        NOT NULL,
  expires_at    timestamptz NOT NULL,
  CONSTRAINT auth_assertion_jti_pk PRIMARY KEY (client_id, jti)
);
CREATE INDEX auth_assertion_jti_expires_ix ON auth_assertion_jti (expires_at);

CREATE UNLOGGED TABLE auth_rate_window (
  client_id     text        NOT NULL,
  window_start  timestamptz NOT NULL,
  requests      integer     NOT NULL,
  CONSTRAINT auth_rate_window_pk PRIMARY KEY (client_id, window_start)
);
CREATE INDEX auth_rate_window_start_ix ON auth_rate_window (window_start);
