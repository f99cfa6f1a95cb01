-- A citizen client is bound to one patient.
--
-- auth_client.patient  'Patient/<id>' whose app the client is. The token endpoint puts it into
--                      every token of the client; an assertion naming another patient is
--                      refused (before, a citizen client could assert any patient). Only
--                      citizen clients have one.
--
-- Citizen clients registered before this migration have no patient: they stay listed (and can
-- be revoked) but get no tokens until registered again with a patient. The NOT VALID constraint
-- holds every new registration to the rule without rejecting those rows; revoking one still
-- satisfies it.
ALTER TABLE auth_client ADD COLUMN patient text
  CONSTRAINT auth_client_patient_ck CHECK (patient IS NULL OR (patient ~ '^Patient/[A-Za-z0-9.-]{1,64}$' AND kind = 'citizen'));
ALTER TABLE auth_client ADD CONSTRAINT auth_client_citizen_patient_ck
  CHECK (kind <> 'citizen' OR patient IS NOT NULL OR status = 'revoked') NOT VALID;
