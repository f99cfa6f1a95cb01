-- Missing-measurement scheduler (src/telemedicine/scheduler/): what it needs of each active
-- ServiceRequest, and when it next has work there.
--
-- A run used to read every active ServiceRequest's JSON to work out its slots. This table keeps
-- the little it needs (subject, episode, code and the timing's repeat, as a small JSON text),
-- read from the version named by version_id: a row whose ServiceRequest has a newer version (or
-- none yet) is read again. next_due is when its next slot closes: a run reads only the rows due
-- (next_due <= now), in batches, and moves next_due on. NULL: no timing, never due. planned_at
-- is the run that set next_due (a clock set back makes a row due again).
--
-- Derived data only: dropping its rows costs one run that reads every active ServiceRequest again.

CREATE TABLE scheduler_request (
  service_request text        PRIMARY KEY,
  version_id      integer     NOT NULL,
  plan            text        NOT NULL,
  next_due        timestamptz,
  planned_at      timestamptz NOT NULL
);

CREATE INDEX scheduler_request_due_ix ON scheduler_request (next_due);
