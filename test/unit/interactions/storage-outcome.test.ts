import { FhirError } from '../../../src/fhir/outcome';
import { storageOutcome } from '../../../src/interactions/storage-outcome';
import { absentOnUpdate } from '../../../src/store/resources';
import { CreateAtIdRefused } from '../../../src/store/store-errors';

describe('storage refusals as FHIR answers', () => {
  it('the store refuses update-as-create with a storage error, which means 405 Method Not Allowed', () => {
    let thrown: unknown;
    try {
      absentOnUpdate('Patient', 'p1', { allowCreate: false });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CreateAtIdRefused);
    expect(thrown).not.toBeInstanceOf(FhirError);
    const outcome = storageOutcome(thrown) as FhirError;
    expect(outcome).toBeInstanceOf(FhirError);
    expect(outcome.status).toBe(405);
    expect(outcome.issues[0]).toMatchObject({ code: 'not-supported', diagnostics: expect.stringMatching(/^Patient\/p1 does not exist.*use POST$/) });
  });

  it('leaves every other error as it is', () => {
    const other = new Error('boom');
    expect(storageOutcome(other)).toBe(other);
  });
});
