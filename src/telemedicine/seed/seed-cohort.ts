import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../../store/resources';
import { recordDecisions } from '../../store/schedule/slot-decisions';
import { organizations, patientUnit, type CohortOptions, type PatientUnit } from './cohort';
import { storedIds } from '../../store/resource-ids';

/**
 * Writes the demo cohort through the store, many resources per transaction (index rows
 * included), creating only what is not there yet: seeding again is a no-op, and an interrupted
 * run resumes. Missed slots get their Task and the scheduler's claim row together.
 */

export interface SeedProgress {
  patientsDone: number;
  patients: number;
  written: number;
  skipped: number;
}

export interface SeedSummary extends SeedProgress {
  units: Array<Pick<PatientUnit, 'index' | 'region' | 'municipality' | 'diagnosis' | 'enrolled'>>;
}

const BATCH_RESOURCES = 2000;

export async function seedCohort(store: ResourceStore, options: CohortOptions, onProgress?: (p: SeedProgress) => void): Promise<SeedSummary> {
  const progress: SeedProgress = { patientsDone: 0, patients: options.patients, written: 0, skipped: 0 };
  const units: SeedSummary['units'] = [];
  await writeBatch(store, organizations(options.prefix), [], progress);
  let batch: PatientUnit[] = [];
  let size = 0;
  const flush = async () => {
    await writeBatch(store, batch.flatMap((u) => u.resources), batch.flatMap((u) => u.claims), progress);
    progress.patientsDone += batch.length;
    onProgress?.({ ...progress });
    batch = [];
    size = 0;
  };
  for (let i = 1; i <= options.patients; i++) {
    const unit = patientUnit(options, i);
    units.push({ index: unit.index, region: unit.region, municipality: unit.municipality, diagnosis: unit.diagnosis, enrolled: unit.enrolled });
    batch.push(unit);
    size += unit.resources.length;
    if (size >= BATCH_RESOURCES) await flush();
  }
  if (batch.length) await flush();
  return { ...progress, units };
}

async function writeBatch(store: ResourceStore, resources: Resource[], claims: PatientUnit['claims'], progress: SeedProgress): Promise<void> {
  await store.transaction(async (tx) => {
    const byType = new Map<string, string[]>();
    for (const r of resources) byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), r.id as string]);
    const existing = new Set<string>();
    for (const [type, ids] of byType) for (const key of await storedIds(tx.client, type, ids)) existing.add(key);
    for (const r of resources) {
      if (existing.has(`${r.resourceType}/${r.id}`)) {
        progress.skipped++;
        continue;
      }
      await tx.create(r, { id: r.id });
      progress.written++;
    }
    if (claims.length) {
      await recordDecisions(
        tx.client,
        claims.map((c) => ({ serviceRequestId: c.serviceRequestId, start: c.start, end: c.end, outcome: 'missing' as const, expected: 1, submitted: 0, taskId: c.taskId })),
        new Date(tx.now),
      );
    }
  });
}
