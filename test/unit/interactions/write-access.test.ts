import type { Resource } from '@medplum/fhirtypes';
import type { AuthContext } from '../../../src/auth/context';
import { parseScopes } from '../../../src/auth/scopes';
import { Access, type AccessDeps, type Ownership } from '../../../src/interactions/access';
import { authorizeWrite, mayCreateAtChosenId } from '../../../src/interactions/write-access';
import { composeAccessModels } from '../../../src/interactions/access-model';
import { careModel } from '../../../src/telemedicine/access/care-model';

const { grantTypes, writeRules } = composeAccessModels([careModel]);
const careRules = { grantTypes, writeRules };

/**
 * The ownership and grant rules of writes (README, "Access control"), decided on the version
 * replaced and the result. The database parts (which patients an organization reaches, who owns
 * a record) are given as data here; test/integration/access/ runs them on PostgreSQL.
 */
describe('write rules', () => {
  const db = {} as never;
  const ref = (r: unknown) => (r as { reference?: string } | undefined)?.reference;
  const patientOf = (r: Resource): string[] => {
    const o = r as unknown as Record<string, unknown>;
    if (r.resourceType === 'Patient') return r.id ? [r.id] : [];
    const p = ref(o.subject) ?? ref(o.patient);
    return p?.startsWith('Patient/') ? [p.slice(8)] : [];
  };

  /** Organization 'a' reaches patient pa (through its episode, team 'ta'); 'b' reaches pb. */
  function accessOf(auth: Partial<AuthContext>, owners: Record<string, Ownership> = {}): Access {
    const deps: AccessDeps = {
      reachablePatients: async (policy, ids) => {
        const own = policy.kind === 'organization' ? policy.organizationId : policy.kind === 'care-team' ? policy.organizationId : policy.kind === 'patient' ? policy.patientId : '';
        const reach = new Set(own === 'a' || own === 'pa' ? ['pa'] : own === 'b' || own === 'pb' ? ['pb'] : []);
        return new Set(ids.filter((id) => reach.has(id)));
      },
      patientCompartments: patientOf,
      inheritedPatients: async (r) => ({ patients: r.resourceType === 'Binary' ? ['pa'] : [], unresolved: [] }),
      ownership: async (type, id) => owners[`${type}/${id}`] ?? {},
      searchFilter: () => undefined,
      readReaching: async () => undefined,
      reachesAll: () => undefined,
      // the telemedicine care model's grant types and write rules, as main.ts composes them
      ...careRules,
    };
    const full: AuthContext = { clientId: 'c', kind: 'system', scopes: parseScopes('system/*.cruds').scopes, ...auth };
    return new Access(full, deps);
  }
  const systemB = () => accessOf({ kind: 'system', organization: 'Organization/b' });
  const systemA = () => accessOf({ kind: 'system', organization: 'Organization/a' });
  const operator = () => accessOf({ kind: 'operator', organization: 'Organization/op' });
  const citizenA = () => accessOf({ kind: 'citizen', organization: 'Organization/a', patient: 'Patient/pa', scopes: parseScopes('patient/*.cruds').scopes });
  const clinicianA = () => accessOf({ kind: 'clinician', organization: 'Organization/a', careTeam: 'CareTeam/ta', practitioner: 'Practitioner/x', scopes: parseScopes('user/*.cruds').scopes });

  const team = (org: string, id = 'ta'): Resource => ({ resourceType: 'CareTeam', id, managingOrganization: [{ reference: `Organization/${org}` }] });
  const episode = (org: string, patient: string, teams = ['ta']): Resource => ({
    resourceType: 'EpisodeOfCare',
    id: 'e1',
    status: 'active',
    patient: { reference: `Patient/${patient}` },
    managingOrganization: { reference: `Organization/${org}` },
    team: teams.map((t) => ({ reference: `CareTeam/${t}` })),
  });
  const obs = (patient: string): Resource => ({ resourceType: 'Observation', id: 'o1', status: 'final', code: {}, subject: { reference: `Patient/${patient}` } });
  const activity: Resource = { resourceType: 'ActivityDefinition', id: 'kol-spo2', status: 'active' };
  const refused = expect.objectContaining({ status: 403 });

  it('lets only the operator change definitional resources, and nobody write AuditEvents', async () => {
    for (const a of [systemA(), clinicianA(), citizenA()]) {
      await expect(authorizeWrite(a, db, 'ActivityDefinition', activity, { ...activity, status: 'retired' } as Resource)).rejects.toEqual(refused);
    }
    await authorizeWrite(operator(), db, 'ActivityDefinition', activity, { ...activity, status: 'retired' } as Resource);
    await expect(authorizeWrite(operator(), db, 'Observation', undefined, obs('pa'))).rejects.toEqual(refused);
    await expect(authorizeWrite(systemA(), db, 'AuditEvent', undefined, { resourceType: 'AuditEvent' } as Resource)).rejects.toEqual(refused);
  });

  it('keeps a CareTeam with its managing organization', async () => {
    await authorizeWrite(systemA(), db, 'CareTeam', undefined, team('a'));
    await expect(authorizeWrite(systemB(), db, 'CareTeam', undefined, team('a'))).rejects.toEqual(refused);
    await expect(authorizeWrite(systemB(), db, 'CareTeam', team('a'), { ...team('a'), participant: [{ member: { reference: 'Practitioner/b1' } }] } as Resource)).rejects.toEqual(refused);
    await expect(authorizeWrite(systemB(), db, 'CareTeam', team('a'), undefined)).rejects.toEqual(refused);
    await expect(authorizeWrite(systemA(), db, 'CareTeam', team('a'), team('b'))).rejects.toEqual(refused);
    await authorizeWrite(clinicianA(), db, 'CareTeam', team('a'), { ...team('a'), name: 'KOL' } as Resource);
    await expect(authorizeWrite(clinicianA(), db, 'CareTeam', team('a', 'other'), team('a', 'other'))).rejects.toEqual(refused);
    await expect(authorizeWrite(citizenA(), db, 'CareTeam', undefined, team('a'))).rejects.toEqual(refused);
  });

  it('opens an EpisodeOfCare only for a patient the organization reaches, managed by itself, and never moves it', async () => {
    await authorizeWrite(systemA(), db, 'EpisodeOfCare', undefined, episode('a', 'pa'));
    await expect(authorizeWrite(systemB(), db, 'EpisodeOfCare', undefined, episode('b', 'pa', ['tb']))).rejects.toEqual(refused);
    await expect(authorizeWrite(systemB(), db, 'EpisodeOfCare', undefined, episode('a', 'pb'))).rejects.toEqual(refused);
    await expect(authorizeWrite(systemA(), db, 'EpisodeOfCare', episode('a', 'pa'), episode('b', 'pa'))).rejects.toEqual(refused);
    await expect(authorizeWrite(systemA(), db, 'EpisodeOfCare', episode('a', 'pa'), episode('a', 'pb'))).rejects.toEqual(refused);
    // sharing: the owner adds another organization's care team
    await authorizeWrite(systemA(), db, 'EpisodeOfCare', episode('a', 'pa'), episode('a', 'pa', ['ta', 'tb']));
    await expect(authorizeWrite(systemB(), db, 'EpisodeOfCare', episode('a', 'pa', ['ta', 'tb']), episode('a', 'pa', ['tb']))).rejects.toEqual(refused);
    await expect(authorizeWrite(clinicianA(), db, 'EpisodeOfCare', undefined, episode('a', 'pa', ['tz']))).rejects.toEqual(refused);
  });

  it('refuses a write that moves patient data to a patient the caller does not reach', async () => {
    await authorizeWrite(systemA(), db, 'Observation', obs('pa'), { ...obs('pa'), status: 'amended' } as Resource);
    await expect(authorizeWrite(systemA(), db, 'Observation', obs('pa'), obs('pb'))).rejects.toEqual(refused);
    await expect(authorizeWrite(systemB(), db, 'Observation', obs('pa'), obs('pb'))).rejects.toEqual(refused);
    await authorizeWrite(citizenA(), db, 'Observation', undefined, obs('pa'));
    await expect(authorizeWrite(citizenA(), db, 'Observation', undefined, obs('pb'))).rejects.toEqual(refused);
    await expect(authorizeWrite(citizenA(), db, 'Patient', { resourceType: 'Patient', id: 'pa' } as Resource, { resourceType: 'Patient', id: 'pa', active: false } as Resource)).rejects.toEqual(refused);
  });

  it('gives a Binary pointing into a compartment that patient’s access', async () => {
    await authorizeWrite(systemA(), db, 'Binary', undefined, { resourceType: 'Binary', contentType: 'image/png' } as Resource);
    await expect(authorizeWrite(systemB(), db, 'Binary', undefined, { resourceType: 'Binary', contentType: 'image/png' } as Resource)).rejects.toEqual(refused);
  });

  it('lets the owner organization change a record outside every compartment, and nobody else', async () => {
    const device: Resource = { resourceType: 'Location', id: 'l1', name: 'Klinik' } as Resource;
    await authorizeWrite(accessOf({ kind: 'system', organization: 'Organization/a' }, { 'Location/l1': { owner: 'a' } }), db, 'Location', device, device);
    await expect(authorizeWrite(accessOf({ kind: 'system', organization: 'Organization/b' }, { 'Location/l1': { owner: 'a' } }), db, 'Location', device, device)).rejects.toEqual(refused);
    await expect(authorizeWrite(accessOf({ kind: 'system', organization: 'Organization/b' }, {}), db, 'Location', device, undefined)).rejects.toEqual(refused);
  });

  it('lets the operator register Organizations and an organization keep its own record', async () => {
    const org: Resource = { resourceType: 'Organization', id: 'a', name: 'Aalborg' } as Resource;
    await authorizeWrite(operator(), db, 'Organization', undefined, org);
    await expect(authorizeWrite(systemA(), db, 'Organization', undefined, org)).rejects.toEqual(refused);
    await authorizeWrite(systemA(), db, 'Organization', org, { ...org, name: 'Aalborg Kommune' } as Resource);
    await expect(authorizeWrite(systemB(), db, 'Organization', org, { ...org, name: 'x' } as Resource)).rejects.toEqual(refused);
    await expect(authorizeWrite(systemA(), db, 'Organization', org, { ...org, partOf: { reference: 'Organization/b' } } as Resource)).rejects.toEqual(refused);
  });

  it('allows update-as-create only where nothing can be hidden from the caller', () => {
    expect(mayCreateAtChosenId(operator(), 'ActivityDefinition')).toBe(true);
    expect(mayCreateAtChosenId(operator(), 'Organization')).toBe(true);
    expect(mayCreateAtChosenId(systemA(), 'Observation')).toBe(false);
    expect(mayCreateAtChosenId(systemA(), 'Patient')).toBe(false);
    expect(mayCreateAtChosenId(systemA(), 'Questionnaire')).toBe(true); // refused with 403 by the rules, not hidden
    expect(mayCreateAtChosenId(systemA(), 'Practitioner')).toBe(true);
  });
});
