import { periodJobId } from '../../../src/jobs/periodic';

describe('periodJobId', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('is a version-5-shaped UUID, the same for the same kind and period on every instance', () => {
    const id = periodJobId('missing-measurements', '2026-03-08T00:00:00.000Z');
    expect(id).toMatch(UUID);
    expect(periodJobId('missing-measurements', '2026-03-08T00:00:00.000Z')).toBe(id);
  });

  it('differs by period and by kind', () => {
    const ids = new Set([
      periodJobId('missing-measurements', '2026-03-08T00:00:00.000Z'),
      periodJobId('missing-measurements', '2026-03-08T00:01:00.000Z'),
      periodJobId('other', '2026-03-08T00:00:00.000Z'),
    ]);
    expect(ids.size).toBe(3);
  });
});
