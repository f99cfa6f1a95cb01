import { paramKey } from '../../../src/fhir/search/param-key';
import { reachOfGrants } from '../../../src/store/care-grants';
import { careGrants } from '../../../src/telemedicine/access/care-reach-sql';

function compile(reach: ReturnType<typeof reachOfGrants>, policy: Parameters<typeof careGrants>[0]) {
  const values: unknown[] = [];
  const sql = reach(policy, (v, cast) => `$${values.push(v)}${cast ? `::${cast}` : ''}`);
  return { sql: sql?.replace(/\s+/g, ' '), values };
}

describe('care grants compiled by the store', () => {
  const reach = reachOfGrants(careGrants);

  it('a care team reaches the patients of the episodes its team is in, from the index', () => {
    const { sql, values } = compile(reach, { kind: 'care-team', careTeamId: 'team-1', organizationId: 'org-1' });
    expect(sql).toBe(
      `SELECT ep.target_id FROM search_reference et JOIN search_reference ep ON ep.rid = et.rid AND ep.param = ${paramKey('EpisodeOfCare', 'patient')} AND ep.target_type = 'Patient' WHERE et.param = ${paramKey('EpisodeOfCare', 'team')} AND et.target_id = $1::text AND et.target_type = 'CareTeam'`,
    );
    expect(values).toEqual(['team-1']);
  });

  it('an organization reaches its episodes’ patients and those of its teams’ episodes, its id bound once', () => {
    const { sql, values } = compile(reach, { kind: 'organization', organizationId: 'org-1' });
    expect(sql?.split(' UNION ALL ')).toHaveLength(2);
    expect(sql).toContain(`WHERE et.param = ${paramKey('EpisodeOfCare', 'organization')} AND et.target_id = $1::text AND et.target_type = 'Organization'`);
    expect(sql).toContain(`JOIN resource gr ON gr.rid = mo.rid JOIN search_reference et ON et.param = ${paramKey('EpisodeOfCare', 'team')} AND et.target_id = gr.id AND et.target_type = 'CareTeam'`);
    expect(sql).toContain(`WHERE mo.param = ${paramKey('CareTeam', 'managing-organization')} AND mo.target_id = $1::text AND mo.target_type = 'Organization'`);
    expect(values).toEqual(['org-1']);
  });

  it('grants nothing when the model gives none, and refuses a type name that is not one', () => {
    expect(reachOfGrants(() => [])({ kind: 'organization', organizationId: 'o' }, () => '$1')).toBeUndefined();
    const bad = reachOfGrants(() => [{ patient: 1, grantee: { param: 2, targetType: "CareTeam' OR true --" }, to: { id: 'x' } }]);
    expect(() => bad({ kind: 'organization', organizationId: 'o' }, () => '$1')).toThrow(/not an index reference/);
  });
});
