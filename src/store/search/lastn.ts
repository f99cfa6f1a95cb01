import type { SearchRequest } from '../../fhir/search/ast';
import { filterSql } from './compile';
import { paramKey } from '../../fhir/search/param-key';
import { SqlBuilder, type AccessFilter, type SqlQuery } from './sql-builder';

/**
 * `Observation/$lastn` (https://hl7.org/fhir/R4/observation-operation-lastn.html) as one
 * statement: the search's own filter (criteria, access), then per subject and code the `max`
 * most recent by effective time — a window over the index rows, so only the result leaves the
 * database. Rows come ordered by subject, code, newest first.
 */
export function compileLastN(request: SearchRequest, max: number, accessFilter?: AccessFilter): SqlQuery {
  const b = new SqlBuilder();
  const filters = filterSql(request, 'r', b, accessFilter);
  const subject = paramKey('Observation', 'subject');
  const code = paramKey('Observation', 'code');
  const date = paramKey('Observation', 'date');
  return b.query(
    `SELECT rid, resource_type, id, content FROM (
       SELECT r.rid, r.resource_type, r.id, r.content, k.subj, k.code, k.eff,
              row_number() OVER (PARTITION BY k.subj, k.code ORDER BY k.eff DESC NULLS LAST, r.rid DESC) AS rn
         FROM resource r CROSS JOIN LATERAL (SELECT
           (SELECT min(s.target_type || '/' || s.target_id) FROM search_reference s WHERE s.rid = r.rid AND s.param = ${subject}) AS subj,
           (SELECT min(coalesce(t.system, '') || '|' || t.value) FROM search_token t WHERE t.rid = r.rid AND t.param = ${code}) AS code,
           (SELECT max(d.low) FROM search_date d WHERE d.rid = r.rid AND d.param = ${date}) AS eff) k
        WHERE ${filters.join(' AND ')}) x
      WHERE rn <= ${b.bind(max, 'integer')}
      ORDER BY subj, code, eff DESC NULLS LAST, rid DESC`,
  );
}
