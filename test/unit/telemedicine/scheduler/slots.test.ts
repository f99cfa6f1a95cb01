import { MON_WED_FRI_0800_4H as COPD_TIMES } from '../../../../src/telemedicine/seed/resources';
import { slotsClosedBetween, slotsOverlapping, type TimingRepeat } from '../../../../src/telemedicine/scheduler/slots';

const iso = (d: Date) => d.toISOString().replace('.000', '');
const spans = (slots: Array<{ start: Date; end: Date; expected: number }>) => slots.map((s) => `${iso(s.start)}/${iso(s.end)}×${s.expected}`);

const MON_WED_FRI_0800_4H: TimingRepeat = { ...COPD_TIMES, boundsPeriod: { start: '2026-01-01' } };

describe('slotsOverlapping (Europe/Copenhagen)', () => {
  it('gives Mon/Wed/Fri 08:00–12:00 local as 07:00–11:00Z in winter time', () => {
    const slots = slotsOverlapping(MON_WED_FRI_0800_4H, new Date('2026-03-02T00:00:00Z'), new Date('2026-03-09T00:00:00Z'));
    expect(spans(slots)).toEqual([
      '2026-03-02T07:00:00Z/2026-03-02T11:00:00Z×1',
      '2026-03-04T07:00:00Z/2026-03-04T11:00:00Z×1',
      '2026-03-06T07:00:00Z/2026-03-06T11:00:00Z×1',
    ]);
  });

  it('keeps 08:00 local across the spring DST change (29 March 2026: 06:00Z afterwards)', () => {
    const slots = slotsOverlapping(MON_WED_FRI_0800_4H, new Date('2026-03-27T00:00:00Z'), new Date('2026-04-01T00:00:00Z'));
    expect(spans(slots)).toEqual(['2026-03-27T07:00:00Z/2026-03-27T11:00:00Z×1', '2026-03-30T06:00:00Z/2026-03-30T10:00:00Z×1']);
  });

  it('keeps 08:00 local across the autumn DST change (25 October 2026: 07:00Z afterwards)', () => {
    const slots = slotsOverlapping(MON_WED_FRI_0800_4H, new Date('2026-10-23T00:00:00Z'), new Date('2026-10-27T00:00:00Z'));
    expect(spans(slots)).toEqual(['2026-10-23T06:00:00Z/2026-10-23T10:00:00Z×1', '2026-10-26T07:00:00Z/2026-10-26T11:00:00Z×1']);
  });

  it('makes the DST days 23 and 25 hours long for a daily slot (2× daily = one day slot expecting 2)', () => {
    const twiceDaily: TimingRepeat = { boundsPeriod: { start: '2026-01-01' }, frequency: 2, period: 1, periodUnit: 'd' };
    const spring = slotsOverlapping(twiceDaily, new Date('2026-03-29T10:00:00Z'), new Date('2026-03-29T11:00:00Z'));
    expect(spans(spring)).toEqual(['2026-03-28T23:00:00Z/2026-03-29T22:00:00Z×2']);
    const autumn = slotsOverlapping(twiceDaily, new Date('2026-10-25T10:00:00Z'), new Date('2026-10-25T11:00:00Z'));
    expect(spans(autumn)).toEqual(['2026-10-24T22:00:00Z/2026-10-25T23:00:00Z×2']);
  });

  it('moves a time skipped by the spring change forward (02:30 → 03:30 CEST)', () => {
    const nightly: TimingRepeat = { boundsPeriod: { start: '2026-01-01' }, timeOfDay: ['02:30:00'], duration: 1, durationUnit: 'h' };
    const slots = slotsOverlapping(nightly, new Date('2026-03-29T00:00:00Z'), new Date('2026-03-29T12:00:00Z'));
    expect(spans(slots)).toEqual(['2026-03-29T01:30:00Z/2026-03-29T02:30:00Z×1']);
  });

  it('runs a window without duration to the next time of day, then to local midnight', () => {
    const twice: TimingRepeat = { boundsPeriod: { start: '2026-01-01' }, timeOfDay: ['20:00:00', '08:00:00'] };
    const slots = slotsOverlapping(twice, new Date('2026-06-10T00:00:00Z'), new Date('2026-06-10T21:00:00Z'));
    expect(spans(slots)).toEqual(['2026-06-10T06:00:00Z/2026-06-10T18:00:00Z×1', '2026-06-10T18:00:00Z/2026-06-10T22:00:00Z×1']);
  });

  it('gives 2× weekly as one ISO week slot (Monday 00:00 local) expecting 2', () => {
    const twiceWeekly: TimingRepeat = { boundsPeriod: { start: '2026-03-01' }, frequency: 2, period: 1, periodUnit: 'wk' };
    const slots = slotsOverlapping(twiceWeekly, new Date('2026-03-11T12:00:00Z'), new Date('2026-03-11T13:00:00Z'));
    expect(spans(slots)).toEqual(['2026-03-08T23:00:00Z/2026-03-15T23:00:00Z×2']);
  });

  it('counts every other day from the bounds start', () => {
    const everyOther: TimingRepeat = { boundsPeriod: { start: '2026-05-01' }, period: 2, periodUnit: 'd', timeOfDay: ['09:00:00'], duration: 2, durationUnit: 'h' };
    const slots = slotsOverlapping(everyOther, new Date('2026-05-01T00:00:00Z'), new Date('2026-05-06T00:00:00Z'));
    expect(slots.map((s) => iso(s.start).slice(0, 10))).toEqual(['2026-05-01', '2026-05-03', '2026-05-05']);
  });

  it('honours bounds: nothing before start, an end date includes its whole day', () => {
    const bounded = { ...MON_WED_FRI_0800_4H, boundsPeriod: { start: '2026-03-03', end: '2026-03-04' } };
    const slots = slotsOverlapping(bounded, new Date('2026-03-01T00:00:00Z'), new Date('2026-03-10T00:00:00Z'));
    expect(spans(slots)).toEqual(['2026-03-04T07:00:00Z/2026-03-04T11:00:00Z×1']);
  });

  it('has no slots without a day of week match', () => {
    const slots = slotsOverlapping(MON_WED_FRI_0800_4H, new Date('2026-03-03T00:00:00Z'), new Date('2026-03-03T23:00:00Z'));
    expect(slots).toEqual([]);
  });

  it('gives every 3 months at 08:00 with a 14-day window on the start day of the month (the self-management questionnaire)', () => {
    const quarterly: TimingRepeat = { boundsPeriod: { start: '2026-01-31' }, frequency: 1, period: 3, periodUnit: 'mo', timeOfDay: ['08:00:00'], duration: 14, durationUnit: 'd' };
    const slots = slotsOverlapping(quarterly, new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'));
    expect(spans(slots)).toEqual([
      '2026-01-31T07:00:00Z/2026-02-14T07:00:00Z×1',
      '2026-04-30T06:00:00Z/2026-05-14T06:00:00Z×1',
      '2026-07-31T06:00:00Z/2026-08-14T06:00:00Z×1',
      '2026-10-31T07:00:00Z/2026-11-14T07:00:00Z×1',
    ]);
    // a window that closed in the look-back is found although it opened two weeks earlier
    expect(spans(slotsClosedBetween(quarterly, new Date('2026-05-14T00:00:00Z'), new Date('2026-05-15T00:00:00Z')))).toEqual(['2026-04-30T06:00:00Z/2026-05-14T06:00:00Z×1']);
  });
});

describe('slotsClosedBetween', () => {
  it('decides the Wednesday slot only once its window has closed at 12:00 local', () => {
    const since = new Date('2026-03-04T00:00:00Z');
    expect(slotsClosedBetween(MON_WED_FRI_0800_4H, since, new Date('2026-03-04T10:59:59Z'))).toEqual([]);
    expect(spans(slotsClosedBetween(MON_WED_FRI_0800_4H, since, new Date('2026-03-04T11:00:00Z')))).toEqual(['2026-03-04T07:00:00Z/2026-03-04T11:00:00Z×1']);
  });

  it('partitions time: runs at any instants (a restart in between included) see each slot exactly once', () => {
    const start = new Date('2026-03-20T00:00:00Z').getTime();
    const end = new Date('2026-04-10T00:00:00Z').getTime();
    const repeats: TimingRepeat[] = [MON_WED_FRI_0800_4H, { boundsPeriod: { start: '2026-01-01' }, frequency: 2, periodUnit: 'd', period: 1 }];
    for (const repeat of repeats) {
      const whole = spans(slotsClosedBetween(repeat, new Date(start), new Date(end)));
      // irregular run times, with a 30-hour gap (server down) in the middle
      const cuts = [start];
      for (let t = start, i = 0; t < end; i++) cuts.push((t = Math.min(end, t + (i === 7 ? 30 : 1 + (i % 5)) * 3_600_000 + 17_000)));
      const pieces = cuts.slice(1).flatMap((t, i) => spans(slotsClosedBetween(repeat, new Date(cuts[i]), new Date(t))));
      expect(pieces).toEqual(whole);
      expect(new Set(pieces).size).toBe(pieces.length);
    }
  });
});
