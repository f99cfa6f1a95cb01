-- Timeline sort keys on compartment rows, so a compartment search read newest first
-- (`Patient/x/Observation?_sort=-date`) is one ordered index range that stops after its page,
-- as migration 010 made it for `subject=Patient/x` (src/fhir/search/timeline-scan.ts).
--
--   resource_type  the member's type: a compartment holds every type, a search asks for one
--   sort_desc      the member's `_sort=-<timeline>` key, sort_asc its `_sort=<timeline>` key:
--                  the values its reference rows carry (migration 010), the same sentinels
--                  ('-infinity', 'infinity') for a resource without a timeline date

ALTER TABLE resource_compartment
  ADD COLUMN resource_type text,
  ADD COLUMN sort_desc timestamptz NOT NULL DEFAULT '-infinity',
  ADD COLUMN sort_asc  timestamptz NOT NULL DEFAULT 'infinity';

-- every reference row of a resource carries the same keys (migration 010): take any one
UPDATE resource_compartment c
   SET resource_type = r.resource_type,
       sort_desc = coalesce(k.sort_desc, '-infinity'),
       sort_asc = coalesce(k.sort_asc, 'infinity')
  FROM resource r
  LEFT JOIN LATERAL (SELECT x.sort_desc, x.sort_asc FROM search_reference x WHERE x.rid = r.rid LIMIT 1) k ON true
 WHERE r.rid = c.rid;

CREATE INDEX resource_compartment_timeline_desc_ix ON resource_compartment (compartment_type, compartment_id, resource_type, sort_desc DESC, rid);
CREATE INDEX resource_compartment_timeline_asc_ix ON resource_compartment (compartment_type, compartment_id, resource_type, sort_asc, rid);
