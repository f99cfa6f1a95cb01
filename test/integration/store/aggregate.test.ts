import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../support/app';
import { nonCprUuid } from '../../support/ids';
import { countInWindows, countPerLabelDay, referencedTargets, type Referencing } from '../../../src/store/aggregate/referencing-counts';
import { patientRecord } from '../../../src/store/aggregate/patient-record';
import { scanDateRanges, scanResources } from '../../../src/store/aggregate/resource-scan';
import { inSnapshot } from '../../../src/store/aggregate/snapshot';
import { versionHistory } from '../../../src/store/aggregate/version-history';

/**
 * The store's aggregate API over the search index: scans by parsed criteria and counts of
 * referencing resources per window and per local day. Every test names its own targets, so
 * what other test files write into the shared database does not count.
 */

let t: TestApp;
const u = nonCprUuid().slice(0, 8);
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ZONE = 'Europe/Copenhagen';
const BASED_ON: Referencing = {
  sources: [
    { type: 'Observation', reference: 'based-on', date: 'date' },
    { type: 'QuestionnaireResponse', reference: 'based-on', date: 'authored' },
  ],
  targetType: 'ServiceRequest',
  exclude: { token: 'status', value: 'entered-in-error' },
};

const encounter = (id: string, patient: string, code: string, start: string): Resource =>
  ({ resourceType: 'Encounter', id, status: 'finished', class: { system: ACT, code }, subject: { reference: `Patient/${patient}` }, period: { start } }) as Resource;
const observation = (id: string, requests: string[], at: string, status = 'final'): Resource =>
  ({ resourceType: 'Observation', id, status, code: { text: 'x' }, basedOn: requests.map((r) => ({ reference: `ServiceRequest/${r}` })), effectiveDateTime: at }) as Resource;
const response = (id: string, request: string, authored: string): Resource =>
  ({ resourceType: 'QuestionnaireResponse', id, status: 'completed', basedOn: [{ reference: `ServiceRequest/${request}` }], authored }) as Resource;

async function write(resources: Resource[]): Promise<void> {
  await t.services.store.transaction(async (tx) => {
    for (const r of resources) await tx.create(r, { id: r.id });
  });
}

beforeAll(async () => {
  t = await createTestApp();
  await write([
    encounter(`${u}-e1`, `${u}-p1`, 'IMP', '2026-03-01T10:00:00+01:00'),
    encounter(`${u}-e2`, `${u}-p1`, 'EMER', '2026-03-02T10:00:00+01:00'),
    encounter(`${u}-e3`, `${u}-p2`, 'AMB', '2026-04-01T10:00:00+02:00'),
    encounter(`${u}-e4`, `${u}-p3`, 'AMB', '2026-03-01T10:00:00+01:00'),
    encounter(`${u}-gone`, `${u}-p1`, 'AMB', '2026-03-01T10:00:00+01:00'),
    // sr1: two inside its window, one after it, one entered in error; one local day late in UTC terms
    observation(`${u}-o1`, [`${u}-sr1`], '2026-03-01T23:30:00Z'),
    observation(`${u}-o2`, [`${u}-sr1`, `${u}-sr2`], '2026-03-02T08:00:00+01:00'),
    observation(`${u}-o3`, [`${u}-sr1`], '2026-03-09T08:00:00+01:00'),
    observation(`${u}-o4`, [`${u}-sr1`], '2026-03-02T09:00:00+01:00', 'entered-in-error'),
    response(`${u}-q1`, `${u}-sr2`, '2026-03-03T08:00:00+01:00'),
  ]);
  await t.services.store.transaction((tx) => tx.delete('Encounter', `${u}-gone`));
});
afterAll(async () => t?.close());

describe('scanResources', () => {
  it('finds the current resources matching every criterion, parsed, in id order', async () => {
    const ids = (rs: Array<{ id?: string }>) => rs.map((r) => r.id);
    const db = t.pool;
    const patients = [`${u}-p1`, `${u}-p2`];
    expect(ids(await scanResources(db, 'Encounter', { references: [{ code: 'subject', targetType: 'Patient', ids: patients }] }))).toEqual([`${u}-e1`, `${u}-e2`, `${u}-e3`]);
    expect(
      ids(await scanResources(db, 'Encounter', { references: [{ code: 'subject', targetType: 'Patient', ids: patients }], tokens: [{ code: 'class', system: ACT, values: ['IMP', 'AMB'] }] })),
    ).toEqual([`${u}-e1`, `${u}-e3`]);
    expect(ids(await scanResources(db, 'Encounter', { references: [{ code: 'subject', targetType: 'Patient', ids: patients }], tokens: [{ code: 'class', system: 'urn:other', values: ['IMP'] }] }))).toEqual([]);
    expect(ids(await scanResources(db, 'Encounter', { ids: [`${u}-e1`, `${u}-e4`, `${u}-gone`], dates: [{ code: 'date', from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' }] }))).toEqual([
      `${u}-e1`,
      `${u}-e4`,
    ]);
    const [e1] = await scanResources<{ class: { code: string } }>(db, 'Encounter', { ids: [`${u}-e1`] });
    expect(e1.class.code).toBe('IMP');
  });
});

describe('referencing counts', () => {
  it('counts per window the resources referencing its target inside it, leaving out the excluded value', async () => {
    const at = (s: string) => new Date(s);
    const counts = await countInWindows(t.pool, BASED_ON, [
      { target: `${u}-sr1`, start: at('2026-03-01T00:00:00Z'), end: at('2026-03-03T00:00:00Z') },
      { target: `${u}-sr2`, start: at('2026-03-01T00:00:00Z'), end: at('2026-03-04T00:00:00Z') },
      { target: `${u}-sr1`, start: at('2026-03-05T00:00:00Z'), end: at('2026-03-10T00:00:00Z') },
      { target: `${u}-none`, start: at('2026-03-01T00:00:00Z'), end: at('2026-03-10T00:00:00Z') },
    ]);
    expect(counts).toEqual([2, 2, 1, 0]);
  });

  it('counts per label and local day, a resource referencing two targets of one label once', async () => {
    const rows = await inSnapshot(t.services.store, ZONE, (db) =>
      countPerLabelDay(db, BASED_ON, new Map([[`${u}-sr1`, 'a'], [`${u}-sr2`, 'a']]), '2026-03-01', '2026-03-05'),
    );
    // o1 at 23:30 UTC is 00:30 on 2 March in Copenhagen
    expect(rows.sort((x, y) => x.day.localeCompare(y.day))).toEqual([
      { label: 'a', day: '2026-03-02', n: 2 },
      { label: 'a', day: '2026-03-03', n: 1 },
    ]);
  });

  it('names the targets referenced in a period', async () => {
    const targets = await inSnapshot(t.services.store, ZONE, (db) => referencedTargets(db, BASED_ON, '2026-03-03', '2026-03-10'));
    expect(targets.filter((x) => x.startsWith(u)).sort()).toEqual([`${u}-sr1`, `${u}-sr2`]);
  });
});

describe('scanDateRanges and patientRecord', () => {
  it('gives a date parameter\'s indexed range with the resource', async () => {
    const [row] = await scanDateRanges<{ id: string }>(t.pool, 'Encounter', 'date', { ids: [`${u}-e1`] });
    expect([row.resource.id, Date.parse(row.low)]).toEqual([`${u}-e1`, Date.parse('2026-03-01T09:00:00Z')]);
  });

  it('reads a patient\'s record within the access filter, nothing when the patient itself is hidden', async () => {
    await write([{ resourceType: 'Patient', id: `${u}-p1` } as Resource]);
    const ids = (rs: Array<Record<string, unknown>>) => rs.map((r) => `${r.resourceType}/${r.id}`);
    expect(ids(await patientRecord(t.pool, `${u}-p1`))).toEqual([`Patient/${u}-p1`, `Encounter/${u}-e1`, `Encounter/${u}-e2`]);
    const notE2 = (a: string, bind: (v: unknown, cast?: string) => string) => `${a}.id <> ${bind(`${u}-e2`, 'text')}`;
    expect(ids(await patientRecord(t.pool, `${u}-p1`, notE2))).toEqual([`Patient/${u}-p1`, `Encounter/${u}-e1`]);
    const noPatients = (a: string, bind: (v: unknown, cast?: string) => string) => `${a}.resource_type <> ${bind('Patient', 'text')}`;
    expect(await patientRecord(t.pool, `${u}-p1`, noPatients)).toEqual([]);
    expect(await patientRecord(t.pool, `${u}-nobody`)).toEqual([]);
  });
});

describe('versionHistory', () => {
  it('lists every version oldest first, a delete as null, with its time', async () => {
    await write([encounter(`${u}-v`, `${u}-p4`, 'AMB', '2026-03-01T10:00:00+01:00')]);
    await t.services.store.transaction((tx) => tx.update(encounter(`${u}-v`, `${u}-p4`, 'IMP', '2026-03-01T10:00:00+01:00'), { allowCreate: false }));
    await t.services.store.transaction((tx) => tx.delete('Encounter', `${u}-v`));
    const versions = await versionHistory<{ class: { code: string } }>(t.pool, 'Encounter', [`${u}-v`, `${u}-e3`]);
    expect(versions.map((v) => [v.id, v.versionId, v.resource?.class.code ?? null])).toEqual([
      [`${u}-e3`, 1, 'AMB'],
      [`${u}-v`, 1, 'AMB'],
      [`${u}-v`, 2, 'IMP'],
      [`${u}-v`, 3, null],
    ]);
    expect(versions[3].at).toBeGreaterThanOrEqual(versions[2].at);
    expect(Math.abs(versions[0].at * 1000 - Date.now())).toBeLessThan(600_000);
  });
});

describe('inSnapshot', () => {
  it('reads in a read-only transaction with the time zone asked for', async () => {
    const zone = await inSnapshot(t.services.store, ZONE, async (db) => (await db.query<{ z: string }>('SHOW TIME ZONE')).rows[0]);
    expect(Object.values(zone)[0]).toBe(ZONE);
    await expect(inSnapshot(t.services.store, ZONE, (db) => db.query(`DELETE FROM resource WHERE id = 'none'`))).rejects.toThrow();
  });
});
