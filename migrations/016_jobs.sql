-- Background jobs (src/jobs/runner.ts, src/store/jobs.ts): work that outlives a request and
-- must survive the instance that started it, such as Bulk Data exports.
--
-- Any instance claims a queued job (or a running one whose lease expired: its instance died)
-- with FOR UPDATE SKIP LOCKED, and keeps the lease while it works by renewing `lease_until`.
-- `progress` is the job's own checkpoint, so a job claimed again resumes where it left off.
-- `owner` is the client that started the job: only it may see the job. Rows past `expires_at`
-- (and cancelled ones no worker holds) are removed by the runner with whatever the job stored.

CREATE TABLE job (
  id          uuid        PRIMARY KEY,
  kind        text        NOT NULL,
  owner       text        NOT NULL,
  state       text        NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  params      jsonb       NOT NULL,
  progress    jsonb,
  result      jsonb,
  lease_owner text,
  lease_until timestamptz,
  attempts    integer     NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);

-- the claim: queued jobs and expired leases, oldest first
CREATE INDEX job_claim_ix ON job (created_at) WHERE state IN ('queued', 'running');
-- the sweep of expired jobs
CREATE INDEX job_expires_ix ON job (expires_at);
