-- Timeline sort keys on reference rows, so "this subject / owner, newest first" is one ordered
-- index range that a search reads only as far as its page (src/fhir/search/timeline.ts,
-- src/fhir/search/timeline-scan.ts).
--
--   sort_desc  the resource's `_sort=-<timeline>` key: max(high) of its date rows for its type's
--              timeline parameter (Observation date, Task authored-on, …), '-infinity' without one
--   sort_asc   the `_sort=<timeline>` key: min(low) of those rows, 'infinity' without one
--
-- Every reference row of a resource carries the same two values; the index writer computes them
-- when it extracts the rows, so updates, deletes and reindex keep them right. A resource has one
-- row per local target and parameter (the scan reads a resource once per row): the writer keeps
-- one, and duplicates written before are removed here.

-- the new indexes start with the old one's columns and serve every look-up it served
DROP INDEX search_reference_target_ix;

DELETE FROM search_reference a
 USING search_reference b
 WHERE a.rid = b.rid AND a.param = b.param AND a.grp = b.grp
   AND a.target_type = b.target_type AND a.target_id = b.target_id
   AND a.ctid > b.ctid;

-- constant defaults: no table rewrite; rows of resources without a timeline date keep them
ALTER TABLE search_reference
  ADD COLUMN sort_desc timestamptz NOT NULL DEFAULT '-infinity',
  ADD COLUMN sort_asc  timestamptz NOT NULL DEFAULT 'infinity';

-- paramKey() of src/fhir/search/param-key.ts: FNV-1a (32 bit, signed) of 'Type.code'
CREATE FUNCTION pg_temp.kolibri_param_key(t text) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  h bigint := 2166136261;
BEGIN
  FOR i IN 1..length(t) LOOP
    h := ((h # ascii(substr(t, i, 1))) * 16777619) % 4294967296;
  END LOOP;
  RETURN (CASE WHEN h >= 2147483648 THEN h - 4294967296 ELSE h END)::integer;
END $$;

-- timelineCode() of src/fhir/search/timeline.ts
WITH timeline AS (
  SELECT t.resource_type,
         pg_temp.kolibri_param_key(t.resource_type || '.' || CASE t.resource_type
           WHEN 'Task' THEN 'authored-on'
           WHEN 'QuestionnaireResponse' THEN 'authored'
           WHEN 'Communication' THEN 'sent'
           WHEN 'CommunicationRequest' THEN 'authored'
           WHEN 'ServiceRequest' THEN 'authored'
           WHEN 'MedicationRequest' THEN 'authoredon'
           WHEN 'DeviceRequest' THEN 'authored-on'
           WHEN 'Provenance' THEN 'recorded'
           WHEN 'Media' THEN 'created'
           WHEN 'Condition' THEN 'recorded-date'
           ELSE 'date' END) AS param
    FROM (SELECT DISTINCT resource_type FROM resource) t
), keys AS (
  SELECT d.rid, max(d.high) AS sort_desc, min(d.low) AS sort_asc
    FROM search_date d
    JOIN resource r ON r.rid = d.rid
    JOIN timeline t ON t.resource_type = r.resource_type AND t.param = d.param
   GROUP BY d.rid
)
UPDATE search_reference x SET sort_desc = k.sort_desc, sort_asc = k.sort_asc
  FROM keys k
 WHERE x.rid = k.rid;

-- `_sort=-<timeline>` reads forward (previous pages backward); `_sort=<timeline>` the other one
CREATE INDEX search_reference_timeline_desc_ix ON search_reference (param, target_id, target_type, sort_desc DESC, rid);
CREATE INDEX search_reference_timeline_asc_ix ON search_reference (param, target_id, target_type, sort_asc, rid);
