-- A search pinned to one patient (`Observation?subject=Patient/x&_sort=-date`, `Patient/x/Observation`)
-- that the caller cannot reach used to read that patient's whole history before answering
-- empty: an ordered scan checks access row by row. How long the empty answer took told a
-- client of another organization whether the patient exists and roughly how much data they
-- have. Such a search can only match rows whose access another patient also governs; they are
-- marked here, so it reads those few instead (src/store/search/compile.ts, `sharedOf`).
--
--   shared   on a Patient-compartment row: the resource is also in another patient's
--            compartment, or its access_patients name another patient (src/fhir/search/extract.ts)

ALTER TABLE resource_compartment ADD COLUMN shared boolean NOT NULL DEFAULT false;

UPDATE resource_compartment c
   SET shared = true
 WHERE c.compartment_type = 'Patient'
   AND (EXISTS (SELECT 1 FROM resource_compartment o
                 WHERE o.rid = c.rid AND o.compartment_type = 'Patient' AND o.compartment_id <> c.compartment_id)
        OR EXISTS (SELECT 1 FROM resource r, unnest(r.access_patients) a(id)
                    WHERE r.rid = c.rid AND a.id <> c.compartment_id));

CREATE INDEX resource_compartment_shared_ix ON resource_compartment (compartment_id, rid)
  WHERE compartment_type = 'Patient' AND shared;
