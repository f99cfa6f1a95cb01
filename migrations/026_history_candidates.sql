-- Index ranges for a restricted client's type and system history (src/store/history.ts), which
-- starts from the resources the client may see instead of walking every version written:
--
--   resource_access_patients_ix   rows in no compartment that point into one (Binary.securityContext …):
--                                 `access_patients && <reachable patients>`
--   resource_unassigned_owner_ix  rows in no compartment of the client's organization, or of none
--                                 (`owner = <organization>`, `owner IS NULL`), per type
--
-- Rows in a reachable patient's compartment come from resource_compartment_timeline_desc_ix
-- (migration 025), shared types from resource_type_updated_ix (migration 001).

CREATE INDEX resource_access_patients_ix ON resource USING gin (access_patients);
CREATE INDEX resource_unassigned_owner_ix ON resource (owner, resource_type) WHERE access_patients IS NULL AND NOT deleted;
