import type { Resource } from '@medplum/fhirtypes';
import type { DateTime } from 'luxon';
import type { TestApp } from '../../../support/app';
import { careTeam, condition, episodeOfCare, municipalityOrganization, patient, regionOrganization, type Diagnosis } from '../../../../src/telemedicine/seed/resources';

/**
 * A small report cohort written through the API (PUT with the test's ids): two regions, each
 * with one municipality ('a': 0851 in `regionA`, 'b': 0101 in `regionB`) and its care team, and
 * citizens with a Condition and a finished EpisodeOfCare from their enrolment to `end`.
 */

export async function put(t: TestApp, resource: Resource): Promise<void> {
  const res = await t.app.inject({ method: 'PUT', url: `/fhir/${resource.resourceType}/${resource.id}`, headers: { 'content-type': 'application/fhir+json' }, payload: JSON.stringify(resource) });
  if (res.statusCode >= 300) throw new Error(`${resource.resourceType}/${resource.id}: ${res.statusCode} ${res.body}`);
}

export async function writeRegions(t: TestApp, u: string, regionA: string, regionB: string): Promise<void> {
  for (const [code, suffix] of [[regionA, 'a'], [regionB, 'b']]) {
    await put(t, regionOrganization(`${u}-reg-${suffix}`, code, `Region ${suffix.toUpperCase()}`));
    await put(t, municipalityOrganization(`${u}-mun-${suffix}`, suffix === 'a' ? '0851' : '0101', `Kommune ${suffix}`, `${u}-reg-${suffix}`));
    await put(t, careTeam(`${u}-team-${suffix}`, `Team ${suffix}`, `${u}-mun-${suffix}`));
  }
}

/** A citizen `id` of municipality `suffix` ('a' or 'b'): Patient, Condition `<id>-cond`, EpisodeOfCare `<id>-eoc`. */
export async function writeCitizen(t: TestApp, u: string, c: { id: string; suffix: 'a' | 'b'; diagnosis: Diagnosis; enrolled: DateTime; end: string }): Promise<void> {
  await put(t, patient(c.id, '0101501234', 'Test', c.id, 'female', '1950-01-01'));
  await put(t, condition(`${c.id}-cond`, c.id, c.diagnosis));
  await put(t, episodeOfCare({ id: `${c.id}-eoc`, patientId: c.id, conditionId: `${c.id}-cond`, organizationId: `${u}-mun-${c.suffix}`, careTeamId: `${u}-team-${c.suffix}`, start: c.enrolled.toISO() as string, end: c.end, status: 'finished' }));
}
