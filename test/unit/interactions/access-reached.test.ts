import type { Resource } from '@medplum/fhirtypes';
import { parseScopes } from '../../../src/auth/scopes';
import { Access, type AccessDeps } from '../../../src/interactions/access';
import { authorizeWrite } from '../../../src/interactions/write-access';
import { composeAccessModels } from '../../../src/interactions/access-model';
import { careModel } from '../../../src/telemedicine/access/care-model';

const { grantTypes, writeRules } = composeAccessModels([careModel]);
const careRules = { grantTypes, writeRules };

/**
 * One request remembers the patients it found reachable (a transaction's entries about one
 * patient ask once) but asks again about one it did not reach: an episode created in between
 * may have granted access.
 */
describe('Access: patients reached earlier in the request', () => {
  const observation = (patient: string): Resource => ({ resourceType: 'Observation', status: 'final', code: {}, subject: { reference: `Patient/${patient}` } });
  const db = {} as never;

  function access(reachable: Set<string>) {
    const asked: string[][] = [];
    const deps: AccessDeps = {
      reachablePatients: async (_policy, ids) => {
        asked.push([...ids]);
        return new Set(ids.filter((id) => reachable.has(id)));
      },
      patientCompartments: (r) => {
        const ref = (r as { subject?: { reference?: string } }).subject?.reference;
        return ref?.startsWith('Patient/') ? [ref.slice('Patient/'.length)] : [];
      },
      inheritedPatients: async () => ({ patients: [], unresolved: [] }),
      ownership: async () => ({}),
      searchFilter: () => undefined,
      readReaching: async () => undefined,
      reachesAll: () => undefined,
      // the telemedicine care model's grant types and write rules, as main.ts composes them
      ...careRules,
    };
    const auth = { clientId: 'c', kind: 'system' as const, organization: 'Organization/o', scopes: parseScopes('system/*.cruds').scopes };
    return { access: new Access(auth, deps), asked };
  }

  it('asks the database once for a patient reached, however many entries write about it', async () => {
    const { access: a, asked } = access(new Set(['p1']));
    for (let i = 0; i < 5; i++) await authorizeWrite(a, db, 'Observation', undefined, observation('p1'));
    expect(await a.canSee(observation('p1'))).toBe(true);
    expect(asked).toEqual([['p1']]);
  });

  it('asks again about a patient not reached, and still refuses it', async () => {
    const reachable = new Set<string>();
    const { access: a, asked } = access(reachable);
    await expect(authorizeWrite(a, db, 'Observation', undefined, observation('p2'))).rejects.toMatchObject({ status: 403 });
    reachable.add('p2'); // e.g. a batch entry created the organization's episode for p2
    await authorizeWrite(a, db, 'Observation', undefined, observation('p2'));
    expect(asked).toEqual([['p2'], ['p2']]);
  });

  it('looks up only the patients not reached yet, and records refused ones as denied', async () => {
    const { access: a, asked } = access(new Set(['p1', 'p3']));
    await a.canSee(observation('p1'));
    const seen = [];
    for (const p of ['p1', 'p3', 'p4']) seen.push(await a.canSee(observation(p)));
    expect(seen).toEqual([true, true, false]);
    expect(asked).toEqual([['p1'], ['p3'], ['p4']]);
    expect([...a.trail.denied]).toEqual(['p4']);
    expect([...a.trail.touched]).toEqual(['p1', 'p3']);
  });
});
