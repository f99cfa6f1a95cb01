-- Ordered index ranges for two more searches that must stop after their page, as migration 010
-- made `subject=Patient/x&_sort=-date` do:
--
-- 1. A compartment search read newest first (`Patient/x/Observation?_sort=-date`): compartment
--    rows get timeline sort keys (src/fhir/search/timeline-scan.ts).
--
--   resource_type  the member's type: a compartment holds every type, a search asks for one
--   sort_desc      the member's `_sort=-<timeline>` key, sort_asc its `_sort=<timeline>` key:
--                  the values its reference rows carry (migration 010), the same sentinels
--                  ('-infinity', 'infinity') for a resource without a timeline date
--
-- 2. A work queue, the clinician's worklist `Task?owner=CareTeam/y&status=requested,in-progress
--    &_sort=priority,authored-on`: a Task's reference rows get its state and rank
--    (src/fhir/search/timeline.ts `queueCodes`, src/fhir/search/queue-scan.ts):
--
--   state          the Task's status code; NULL on rows of other types
--   sort_rank      the ordinal of its priority (stat 1, asap 2, urgent 3, routine 4: the ordinalValue
--                  of fhir-profiles/codesystem-request-priority-ordinal.json), 'Infinity' without one

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

-- they start with (compartment_type, compartment_id) and serve every look-up by compartment that
-- resource_compartment_member_ix served (look-ups by rid use resource_compartment_rid_ix): one
-- btree fewer to write than keeping it
DROP INDEX resource_compartment_member_ix;
CREATE INDEX resource_compartment_timeline_desc_ix ON resource_compartment (compartment_type, compartment_id, resource_type, sort_desc DESC, rid);
CREATE INDEX resource_compartment_timeline_asc_ix ON resource_compartment (compartment_type, compartment_id, resource_type, sort_asc, rid);

ALTER TABLE search_reference
  ADD COLUMN state text,
  ADD COLUMN sort_rank numeric;

-- param keys (paramKey() of src/fhir/search/param-key.ts): Task.status -1690669432, Task.priority -2093818774
WITH task AS (
  SELECT r.rid,
         (SELECT s.value FROM search_token s WHERE s.rid = r.rid AND s.param = -1690669432 LIMIT 1) AS state,
         coalesce((SELECT min(CASE p.value WHEN 'stat' THEN 1 WHEN 'asap' THEN 2 WHEN 'urgent' THEN 3 WHEN 'routine' THEN 4 END)
                     FROM search_token p WHERE p.rid = r.rid AND p.param = -2093818774)::numeric, 'Infinity') AS sort_rank
    FROM resource r
   WHERE r.resource_type = 'Task'
)
UPDATE search_reference x SET state = task.state, sort_rank = task.sort_rank
  FROM task
 WHERE x.rid = task.rid AND task.state IS NOT NULL;

CREATE INDEX search_reference_queue_ix ON search_reference (param, target_id, target_type, state, sort_rank, sort_asc, rid) WHERE state IS NOT NULL;
