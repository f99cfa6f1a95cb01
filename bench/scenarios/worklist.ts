// https://hl7.org/fhir/R4/search.html#sort
import { randomUUID } from 'node:crypto';
import type { BundleEntry, EpisodeOfCare, Task } from '@medplum/fhirtypes';
import type { Client } from 'pg';
import { paramKey } from '../../src/fhir/search/param-key';
import type { RawWorkload } from '../calibrate';
import { measureHttp } from '../load';
import { createAs, postTransactions } from './depth';
import type { Scenario, ScenarioContext } from './scenario';

/**
 * The clinician's worklist (README "Telemedicine workflow"): the open Tasks of one care team,
 * most urgent first, then oldest first —
 * `GET /fhir/Task?owner=CareTeam/{id}&status=requested,in-progress&_sort=priority,authored-on`
 * (one page of 20). The team follows 500 citizens (an EpisodeOfCare each); each citizen has had
 * 10 measurement-for-assessment Tasks over the last months, 2 still open: 5,000 Tasks, 1,000 open.
 */
const PATIENTS = 500;
const TASKS_PER_PATIENT = 10;
const OPEN_PER_PATIENT = 2;
const PRIORITIES = ['asap', 'urgent', 'routine', 'routine', 'routine'] as const;
const PAGE = 20;

let careTeamId: string | undefined;
const team = (): string => {
  if (!careTeamId) throw new Error('worklist: not prepared');
  return careTeamId;
};
const query = (id: string) => `/fhir/Task?owner=CareTeam/${id}&status=requested,in-progress&_sort=priority,authored-on&_count=${PAGE}`;

async function prepare(context: ScenarioContext): Promise<void> {
  const seeded = await fetch(`${context.serverUrl}/fhir/EpisodeOfCare/${context.episodeId}`, { headers: context.headers });
  const organization = ((await seeded.json()) as EpisodeOfCare).managingOrganization;
  careTeamId = await createAs(context, { resourceType: 'CareTeam', status: 'active', name: 'Bench worklist team', managingOrganization: organization ? [organization] : undefined }, 'worklist');
  const entries: BundleEntry[] = [];
  const day = 86_400_000;
  for (let p = 0; p < PATIENTS; p++) {
    const patient = `urn:uuid:${randomUUID()}`;
    entries.push({ fullUrl: patient, resource: { resourceType: 'Patient', name: [{ family: 'Arbejdsliste', given: [String(p)] }] }, request: { method: 'POST', url: 'Patient' } });
    const episode: EpisodeOfCare = {
      resourceType: 'EpisodeOfCare',
      status: 'active',
      patient: { reference: patient },
      managingOrganization: organization,
      team: [{ reference: `CareTeam/${team()}` }],
      period: { start: '2026-01-05' },
    };
    entries.push({ resource: episode, request: { method: 'POST', url: 'EpisodeOfCare' } });
    for (let k = 0; k < TASKS_PER_PATIENT; k++) {
      const open = k >= TASKS_PER_PATIENT - OPEN_PER_PATIENT;
      const task: Task = {
        resourceType: 'Task',
        status: open ? (k % 2 ? 'in-progress' : 'requested') : 'completed',
        intent: 'order',
        priority: PRIORITIES[(p + k) % PRIORITIES.length],
        code: { coding: [{ system: 'https://kolibri.dk/fhir/CodeSystem/task-category', code: 'measurement-for-assessment' }] },
        for: { reference: patient },
        owner: { reference: `CareTeam/${team()}` },
        authoredOn: new Date(Date.UTC(2026, 4, 1) - (TASKS_PER_PATIENT - k) * 7 * day - p * 60_000).toISOString(),
      };
      entries.push({ resource: task, request: { method: 'POST', url: 'Task' } });
    }
  }
  // a transaction resolves urn:uuid references only within itself: keep each citizen's entries together
  const perPatient = 2 + TASKS_PER_PATIENT;
  const chunk = Math.floor(500 / perPatient) * perPatient;
  for (let i = 0; i < entries.length; i += chunk) await postTransactions(context, entries.slice(i, i + chunk), 'worklist');
}

/**
 * The same page from the search index by hand: the team's owner rows, the open status rows,
 * the priority row mapped to its ordinal and the authored-on row, sorted, 21 rows' JSON.
 */
function rawWorklist(): RawWorkload {
  const text = `SELECT r.id, r.content
      FROM search_reference o
      JOIN resource r ON r.rid = o.rid AND NOT r.deleted
      LEFT JOIN LATERAL (SELECT min(CASE p.value WHEN 'stat' THEN 1 WHEN 'asap' THEN 2 WHEN 'urgent' THEN 3 WHEN 'routine' THEN 4 END) AS n
                           FROM search_token p WHERE p.rid = o.rid AND p.param = $3) pr ON true
      LEFT JOIN LATERAL (SELECT min(d.low) AS low FROM search_date d WHERE d.rid = o.rid AND d.param = $4) au ON true
     WHERE o.param = $1 AND o.target_type = 'CareTeam' AND o.target_id = $5
       AND EXISTS (SELECT 1 FROM search_token s WHERE s.rid = o.rid AND s.param = $2 AND s.value = ANY($6::text[]))
     ORDER BY pr.n NULLS LAST, au.low NULLS LAST, r.rid LIMIT ${PAGE + 1}`;
  return {
    name: 'raw-worklist',
    async run(client: Client) {
      const values = [paramKey('Task', 'owner'), paramKey('Task', 'status'), paramKey('Task', 'priority'), paramKey('Task', 'authored-on'), team(), ['requested', 'in-progress']];
      const { rows } = await client.query({ name: 'kolibri-bench-worklist', text, values });
      if (rows.length < PAGE) throw new Error(`raw worklist found ${rows.length} rows`);
    },
  };
}

export const worklistScenario: Scenario = {
  name: 'worklist',
  description: `the care team's worklist (GET /fhir/Task?owner&status=requested,in-progress&_sort=priority,authored-on&_count=${PAGE}) over ${PATIENTS} citizens, ${PATIENTS * TASKS_PER_PATIENT} Tasks, ${PATIENTS * OPEN_PER_PATIENT} open`,
  concurrency: [1, 8],
  baseline: { key: 'worklist', workload: rawWorklist },
  prepare,
  async measure(context, concurrency) {
    return measureHttp('worklist', { method: 'GET', url: `${context.serverUrl}${query(team())}`, headers: { accept: 'application/fhir+json' }, expectStatus: 200 }, concurrency, context.timing);
  },
};
