-- Change log: one row per committed version of any resource (create, update, delete), written by
-- the same statement that writes the version (a refused or failed write writes none). Consumers
-- (Subscriptions, reindexing, ...) read it from any instance, each with its own cursor.
--
-- `seq` comes from an identity and `txid` is the writing transaction's id: neither is commit
-- order under concurrency (a transaction holding seq 10 may commit after one holding seq 11).
-- So a consumer reads only rows whose transaction is older than every transaction still in
-- flight (txid < pg_snapshot_xmin(pg_current_snapshot())): no row can appear there any more,
-- and ordering by (txid, seq) with a (txid, seq) cursor never skips a row.
--
-- The audit outbox (004) stays as it is: it records requests (reads included), not versions.

CREATE TABLE change_log (
  seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  txid          xid8 NOT NULL DEFAULT pg_current_xact_id(),
  resource_type text NOT NULL,
  id            text NOT NULL,
  version_id    integer NOT NULL,
  operation     text NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
  owner         text,
  recorded      timestamptz NOT NULL
);
CREATE INDEX change_log_order_ix ON change_log (txid, seq);

-- Where each consumer stands in the change log; a consumer claims its row FOR UPDATE SKIP
-- LOCKED, so one instance at a time advances it.
CREATE TABLE change_cursor (
  consumer  text PRIMARY KEY,
  last_txid xid8 NOT NULL DEFAULT '0',
  last_seq  bigint NOT NULL DEFAULT 0
);

-- Subscriptions (the resources themselves are ordinary Subscription resources): who subscribed
-- (the client, and its access context for evaluating criteria at delivery time) and the type
-- its criteria searches, kept by the Subscription write rule.
CREATE TABLE subscription_owner (
  subscription_id text PRIMARY KEY,
  client_id       text NOT NULL,
  auth            jsonb NOT NULL,
  criteria_type   text NOT NULL
);
CREATE INDEX subscription_owner_type_ix ON subscription_owner (criteria_type);

-- Notifications to deliver, one per change of a subscribed type per subscription, in change-log
-- order (n). A deliverer claims a subscription (transaction-scoped advisory lock) and takes its
-- oldest row; a row is deleted when delivered or when the criteria no longer match.
CREATE TABLE subscription_notification (
  n               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id text NOT NULL,
  resource_type   text NOT NULL,
  id              text NOT NULL,
  version_id      integer NOT NULL,
  queued          timestamptz NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt    timestamptz NOT NULL DEFAULT now(),
  last_error      text
);
CREATE INDEX subscription_notification_ix ON subscription_notification (subscription_id, n);

-- Delivery counters shared by all instances (for /metrics).
CREATE TABLE subscription_counter (
  name  text PRIMARY KEY,
  value bigint NOT NULL DEFAULT 0
);
INSERT INTO subscription_counter (name) VALUES ('delivered'), ('failed');
