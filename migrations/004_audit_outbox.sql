-- Audit outbox: one row per FHIR request that touched patient data, written BEFORE the response
-- is sent (so no answered request goes unaudited), then turned into FHIR AuditEvent resources
-- in the background (src/audit/drainer.ts) — off the response's critical path.
-- Several instances drain concurrently with FOR UPDATE SKIP LOCKED; a row is deleted in the
-- same transaction that creates its AuditEvents, so each becomes AuditEvents exactly once.
-- Rows hold no resource bodies; `query` has CPR numbers masked.

CREATE TABLE audit_outbox (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recorded     timestamptz NOT NULL,
  request_id   text NOT NULL,
  client_id    text NOT NULL,
  client_kind  text NOT NULL,
  organization text,
  practitioner text,
  care_team    text,
  interaction  text NOT NULL,  -- read, vread, history, search, create, update, patch, delete, operation, transaction, batch
  action       char(1) NOT NULL CHECK (action IN ('C', 'R', 'U', 'D', 'E')),
  status       integer NOT NULL,
  method       text NOT NULL,
  path         text NOT NULL,
  query        text,
  patients     text[] NOT NULL DEFAULT '{}',
  -- search results whose patients are looked up when draining (resource.rid)
  rids         bigint[] NOT NULL DEFAULT '{}'
);
