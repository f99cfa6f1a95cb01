import type { Bind, ReachSql, StaffPolicy } from './access-sql';

/** A reference in the search index: the parameter's key (paramKey) and the type it points at. */
export interface IndexReference {
  param: number;
  targetType: string;
}

/**
 * One way a care relationship grants a staff client a patient, said without SQL (a module's
 * care model; the store compiles it): the resources whose `grantee` reference points at the
 * client's own team or organization (`to.id`), or at any resource that itself references it
 * (`to.through`: a care team managed by the organization), grant the patient their `patient`
 * reference points at. Read from the search index, so only current versions grant.
 */
export interface CareGrant {
  /** The key of the grant's reference to its patient (target type Patient). */
  patient: number;
  grantee: IndexReference;
  to: { id: string; through?: IndexReference };
}

/** The grants a care model gives a staff policy (none: it reaches no patient through care). */
export type CareGrants = (policy: StaffPolicy) => readonly CareGrant[];

const NAME = /^[A-Z][A-Za-z]*$/;

function checked(ref: IndexReference): IndexReference {
  // keys and type names go into the statement's text (its shape), so they must be what they claim
  if (!Number.isInteger(ref.param) || !NAME.test(ref.targetType)) throw new Error(`not an index reference: ${JSON.stringify(ref)}`);
  return ref;
}

/**
 * Compile care grants to the reach SQL the access filter ANDs into every read: one SELECT of the
 * granted patient ids per grant, driven from the grantee (index on param, target_id), joined by
 * UNION ALL; for one given patient, each grant's rows are looked up from that patient's index
 * rows instead. Each id is bound once per statement however many grants name it.
 */
export function reachOfGrants(grants: CareGrants): ReachSql {
  return (policy: StaffPolicy, bind: Bind, patient?: string) => {
    const list = grants(policy);
    if (!list.length) return undefined;
    const bound = new Map<string, string>();
    const value = (id: string) => bound.get(id) ?? (bound.set(id, bind(id, 'text')), bound.get(id) as string);
    return list.map((g) => grantSql(g, value, patient)).join('\n        UNION ALL\n        ');
  };
}

function grantSql(g: CareGrant, value: (id: string) => string, onePatient?: string): string {
  const grantee = checked(g.grantee);
  if (!Number.isInteger(g.patient)) throw new Error(`not a parameter key: ${g.patient}`);
  if (onePatient !== undefined) return onePatientSql(g, grantee, value, onePatient);
  const patient = `JOIN search_reference ep ON ep.rid = et.rid AND ep.param = ${g.patient} AND ep.target_type = 'Patient'`;
  if (!g.to.through) {
    return `SELECT ep.target_id FROM search_reference et
        ${patient}
        WHERE et.param = ${grantee.param} AND et.target_id = ${value(g.to.id)} AND et.target_type = '${grantee.targetType}'`;
  }
  const through = checked(g.to.through);
  // the grantees are the resources referencing `to.id`: their own ids are what grants point at
  return `SELECT ep.target_id FROM search_reference mo
          JOIN resource gr ON gr.rid = mo.rid
          JOIN search_reference et ON et.param = ${grantee.param} AND et.target_id = gr.id AND et.target_type = '${grantee.targetType}'
          ${patient}
          WHERE mo.param = ${through.param} AND mo.target_id = ${value(g.to.id)} AND mo.target_type = '${through.targetType}'`;
}

/**
 * The same grant for one patient, driven from that patient's grant rows (an EpisodeOfCare's
 * `patient`): each is checked for its grantee in a LATERAL sub-select that OFFSET 0 keeps from
 * being flattened, so the planner cannot start from the grantee's side instead, which reads
 * every row granting the client anything (the organization's every episode) when the
 * statistics underestimate how many there are.
 */
function onePatientSql(g: CareGrant, grantee: IndexReference, value: (id: string) => string, patient: string): string {
  const from = `SELECT ep.target_id FROM search_reference ep`;
  const where = `WHERE ep.param = ${g.patient} AND ep.target_type = 'Patient' AND ep.target_id = ${patient}`;
  if (!g.to.through) {
    return `${from}
        CROSS JOIN LATERAL (SELECT 1 FROM search_reference et
          WHERE et.rid = ep.rid AND et.param = ${grantee.param} AND et.target_id = ${value(g.to.id)} AND et.target_type = '${grantee.targetType}' OFFSET 0) granted
        ${where}`;
  }
  const through = checked(g.to.through);
  return `${from}
        CROSS JOIN LATERAL (SELECT 1 FROM search_reference et
          JOIN resource gr ON gr.resource_type = '${grantee.targetType}' AND gr.id = et.target_id
          JOIN search_reference mo ON mo.rid = gr.rid AND mo.param = ${through.param} AND mo.target_id = ${value(g.to.id)} AND mo.target_type = '${through.targetType}'
          WHERE et.rid = ep.rid AND et.param = ${grantee.param} AND et.target_type = '${grantee.targetType}' OFFSET 0) granted
        ${where}`;
}
