-- Refused accesses in the audit trail: a record with `refused` names the patients whose data a
-- request asked for and was not allowed to see (answered 404 like a resource that does not
-- exist). Their AuditEvents carry a failure outcome, so a citizen's "who looked at my data"
-- shows the attempt. Rows written before this column existed were not refusals.
ALTER TABLE audit_outbox ADD COLUMN refused boolean NOT NULL DEFAULT false;
