-- Refresh tokens of the token endpoint (clinician and citizen clients), with which a client
-- chooses its context (organization, care team, patient, episode of care) for a new access token.
--
-- auth_refresh_token  one row per refresh token, stored as the SHA-256 of the token (the token
--                     itself is never stored). Tokens rotate: a refresh spends the token
--                     (used_at) and issues the next one of the same family; presenting a spent
--                     token again revokes the whole family (revoked_at), since one of the two
--                     holders is not the client. A family ends at expires_at, fixed when the
--                     first token was issued by client_credentials; rotation does not extend it.
--                     The client id and the practitioner (the clinician's identity) come from
--                     the first grant and never change; scope only narrows.
CREATE TABLE auth_refresh_token (
  token_hash    text        PRIMARY KEY,
  family_id     uuid        NOT NULL,
  client_id     text        NOT NULL REFERENCES auth_client (client_id),
  scope         text        NOT NULL,
  practitioner  text,
  expires_at    timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  used_at       timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX auth_refresh_token_family_ix ON auth_refresh_token (family_id);
CREATE INDEX auth_refresh_token_expires_ix ON auth_refresh_token (expires_at);
