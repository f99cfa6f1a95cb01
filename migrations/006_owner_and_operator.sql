-- Ownership of stored resources and the operator client kind.
--
-- resource.owner            id of the Organization of the client whose request created the
--                           resource; kept by every later version. NULL for resources written
--                           without a client organization (KOLIBRI_AUTH=off, templates loaded at
--                           start, the server's own bookkeeping). Resources outside every patient
--                           compartment are visible to the staff of their owner organization.
-- resource.access_patients  patient ids whose access governs a resource that is in no patient
--                           compartment but points into one (Binary.securityContext,
--                           Provenance.target, Device.patient), resolved when it is written.
-- auth_client.kind          gains 'operator': a client of the national operator that writes
--                           definitional resources (system/ scopes) and reaches no patient data.
ALTER TABLE resource ADD COLUMN owner text;
ALTER TABLE resource ADD COLUMN access_patients text[];
-- the Patients an organization registered itself (its system clients reach them, and see a
-- deleted one's tombstone as 410 like any other deletion they may see)
CREATE INDEX resource_patient_owner_ix ON resource (owner, id) WHERE resource_type = 'Patient';

ALTER TABLE auth_client DROP CONSTRAINT auth_client_kind_check;
ALTER TABLE auth_client ADD CONSTRAINT auth_client_kind_check CHECK (kind IN ('system', 'clinician', 'citizen', 'operator'));
