import { AuditGroupCommit } from '../../../src/audit/group-commit';
import type { AuditRecord } from '../../../src/audit/record';

const record = (requestId: string): AuditRecord => ({
  recorded: '2026-11-23T10:00:00.000Z',
  requestId,
  clientId: 'app',
  clientKind: 'system',
  interaction: 'read',
  action: 'R',
  status: 200,
  method: 'GET',
  path: '/fhir/Observation/1',
  patients: ['p1'],
  rids: [],
  refused: false,
});

describe('AuditGroupCommit', () => {
  it('writes the records of waiting requests in one statement each, resolving each after its statement', async () => {
    const statements: string[][] = [];
    const group = new AuditGroupCommit({ maxInFlight: 1, write: async (records) => void statements.push(records.map((r) => r.requestId)) });
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => group.record(record(id))));
    // the first goes at once; the three that arrived meanwhile share the next statement
    expect(statements).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('does not resolve a record before its statement has committed', async () => {
    let commit: () => void = () => undefined;
    const group = new AuditGroupCommit({ write: () => new Promise<void>((resolve) => (commit = resolve)) });
    let done = false;
    const pending = group.record(record('a')).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    commit();
    await pending;
    expect(done).toBe(true);
  });

  it('fails only the record the database refuses, writing the others on their own', async () => {
    const written: string[] = [];
    const group = new AuditGroupCommit({
      maxInFlight: 1,
      write: async (records) => {
        if (records.some((r) => r.requestId === 'bad')) throw new Error('refused');
        written.push(...records.map((r) => r.requestId));
      },
    });
    const results = await Promise.allSettled(['first', 'a', 'bad', 'b'].map((id) => group.record(record(id))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(written.sort()).toEqual(['a', 'b', 'first']);
  });

  it('splits a long queue into statements of at most maxBatch records', async () => {
    const sizes: number[] = [];
    const group = new AuditGroupCommit({ maxBatch: 3, maxInFlight: 1, write: async (records) => void sizes.push(records.length) });
    await Promise.all(Array.from({ length: 8 }, (_, i) => group.record(record(String(i)))));
    expect(sizes).toEqual([1, 3, 3, 1]);
  });
});
