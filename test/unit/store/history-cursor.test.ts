import { decodeCursor, encodeCursor } from '../../../src/store/history';

describe('history paging cursor', () => {
  it('round-trips the keyset position', () => {
    const c = { lastUpdated: '2026-05-01 08:00:00.123+00', seq: '4711' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it('refuses tokens that are not ours (nothing reaches SQL unchecked)', () => {
    expect(decodeCursor('bm9wZQ')).toBeUndefined();
    expect(decodeCursor(Buffer.from("2026-05-01|1; DROP TABLE resource").toString('base64url'))).toBeUndefined();
  });
});
