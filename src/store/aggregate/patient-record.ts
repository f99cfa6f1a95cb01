import type { AccessFilter } from '../search/sql-builder';
import type { Db } from '../db';

/**
 * Everything held about one Patient that `visible` lets the caller read: the Patient and every
 * current resource in its compartment (https://hl7.org/fhir/R4/compartmentdefinition-patient.html)
 * or tied to it by the access model (`access_patients`), parsed; the Patient first, then by type
 * and id. Empty when the Patient does not exist, is deleted or is not visible.
 */
export async function patientRecord(db: Db, patientId: string, visible?: AccessFilter): Promise<Array<Record<string, unknown>>> {
  const binds: unknown[] = [patientId];
  const bind = (value: unknown, cast?: string) => `$${binds.push(value)}${cast ? `::${cast}` : ''}`;
  const scope = (alias: string) => (visible ? ` AND ${visible(alias, bind)}` : '');
  const { rows } = await db.query<{ content: string }>(
    `SELECT r.content FROM resource r
      WHERE NOT r.deleted${scope('r')}
        AND EXISTS (SELECT 1 FROM resource p WHERE p.resource_type = 'Patient' AND p.id = $1::text AND NOT p.deleted${scope('p')})
        AND ((r.resource_type = 'Patient' AND r.id = $1::text)
          OR EXISTS (SELECT 1 FROM resource_compartment rc WHERE rc.rid = r.rid AND rc.compartment_type = 'Patient' AND rc.compartment_id = $1::text)
          OR r.access_patients @> ARRAY[$1::text])
      ORDER BY r.resource_type <> 'Patient', r.resource_type, r.id`,
    binds,
  );
  return rows.map((r) => JSON.parse(r.content) as Record<string, unknown>);
}
