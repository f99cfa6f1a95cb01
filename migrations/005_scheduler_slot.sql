-- Missing-measurement scheduler (src/telemedicine/scheduler/): one row per decided slot.
--
-- A slot is a window [slot_start, slot_end) in which a ServiceRequest expects submissions
-- (Observations / QuestionnaireResponses basedOn it). When the window has closed the scheduler
-- decides it once: 'submitted' (enough arrived) or 'missing' (a "missing measurement" Task was
-- created, task_id). The primary key is the claim: the row is inserted ON CONFLICT DO NOTHING in
-- the same transaction as the Task, so with several server instances (or a restart mid-run)
-- each slot gets at most one Task; a concurrent claimer waits for the first to commit, then sees
-- the row and does nothing.

CREATE TABLE scheduler_slot (
  service_request text        NOT NULL,
  slot_start      timestamptz NOT NULL,
  slot_end        timestamptz NOT NULL,
  outcome         text        NOT NULL CHECK (outcome IN ('submitted', 'missing')),
  expected        integer     NOT NULL,
  submitted       integer     NOT NULL,
  task_id         text,
  decided_at      timestamptz NOT NULL,
  CONSTRAINT scheduler_slot_pk PRIMARY KEY (service_request, slot_start),
  CONSTRAINT scheduler_slot_task_ck CHECK ((outcome = 'missing') = (task_id IS NOT NULL))
);

-- pruning and "what was decided lately"
CREATE INDEX scheduler_slot_end_ix ON scheduler_slot (slot_end);
