-- Index ranges for a restricted client's type and system history (src/store/history.ts), which
-- starts from the resources the client may see instead of walking every version written:
--
--   resource_access_patients_ix   rows that carry the patients whose access governs them
--                                 (Binary.securityContext …, AuditEvents): `access_patients && <reachable patients>`
--   resource_unassigned_owner_ix  rows carrying none, of the client's organization or of none
--                                 (`owner = <organization>`, `owner IS NULL`), per type
--
-- Rows in a reachable patient's compartment come from resource_compartment_timeline_desc_ix
-- (migration 025), shared types from resource_type_updated_ix (migration 001).
--
-- AuditEvents are written without an owner (the server's, no organization's). They now carry the
-- patients of their compartment in access_patients, as the drainer writes them from this release
-- on, which grants exactly whom their compartment grants; without it every patient's AuditEvents
-- would be unowned rows, candidates of every staff client. Those written before get theirs here.

UPDATE resource r SET access_patients = c.patients
  FROM (SELECT rid, array_agg(DISTINCT compartment_id) AS patients
          FROM resource_compartment
         WHERE compartment_type = 'Patient' AND resource_type = 'AuditEvent'
         GROUP BY rid) c
 WHERE r.rid = c.rid AND r.resource_type = 'AuditEvent' AND r.access_patients IS NULL;

CREATE INDEX resource_access_patients_ix ON resource USING gin (access_patients);
CREATE INDEX resource_unassigned_owner_ix ON resource (owner, resource_type) WHERE access_patients IS NULL AND NOT deleted;
