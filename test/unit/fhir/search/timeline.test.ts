import { emptyRows } from '../../../../src/fhir/search/index-rows';
import { paramKey } from '../../../../src/fhir/search/param-key';
import { compareInstant, stampTimeline, timelineCode, timelineKeys } from '../../../../src/fhir/search/timeline';

describe('timeline sort keys', () => {
  it('names each type\'s main date parameter', () => {
    expect(timelineCode('Observation')).toBe('date');
    expect(timelineCode('AuditEvent')).toBe('date');
    expect(timelineCode('Task')).toBe('authored-on');
    expect(timelineCode('QuestionnaireResponse')).toBe('authored');
  });

  it('are the highest high (descending) and lowest low (ascending) of the timeline rows only', () => {
    const rows = emptyRows();
    const date = paramKey('Observation', 'date');
    rows.date.push(
      { param: date, grp: 0, low: '2026-05-01T08:00:00.000Z', high: '2026-05-01T08:00:01.000Z' },
      { param: date, grp: 0, low: '2026-04-01T00:00:00.000Z', high: '2026-04-02T00:00:00.000Z' },
      { param: paramKey('Observation', 'issued'), grp: 0, low: '2027-01-01T00:00:00.000Z', high: '2027-01-01T00:00:00.001Z' },
    );
    expect(timelineKeys('Observation', rows)).toEqual({ desc: '2026-05-01T08:00:01.000Z', asc: '2026-04-01T00:00:00.000Z' });
    expect(timelineKeys('Observation', emptyRows())).toEqual({ desc: '-infinity', asc: 'infinity' });
    rows.date.push({ param: date, grp: 0, low: '-infinity', high: 'infinity' });
    expect(timelineKeys('Observation', rows)).toEqual({ desc: 'infinity', asc: '-infinity' });
  });

  it('order bounds to the microsecond, as PostgreSQL does', () => {
    expect(compareInstant('2026-05-01T08:00:00.123456Z', '2026-05-01T08:00:00.123457Z')).toBeLessThan(0);
    expect(compareInstant('2026-05-01T08:00:00.124Z', '2026-05-01T08:00:00.123999Z')).toBeGreaterThan(0);
    expect(compareInstant('2026-05-01T08:00:00.123Z', '2026-05-01T08:00:00.123000Z')).toBe(0);
    expect(compareInstant('-infinity', '0001-01-01T00:00:00.000Z')).toBeLessThan(0);
  });

  it('are stamped on every reference row, and one target twice under one parameter is one row', () => {
    const rows = emptyRows();
    const performer = paramKey('Observation', 'performer');
    const subject = paramKey('Observation', 'subject');
    rows.reference.push(
      { param: subject, grp: 0, targetType: 'Patient', targetId: 'p1', url: null },
      { param: performer, grp: 0, targetType: 'Patient', targetId: 'p1', url: null },
      { param: performer, grp: 0, targetType: 'Patient', targetId: 'p1', url: null },
      { param: performer, grp: 0, targetType: null, targetId: null, url: 'https://x.example/Practitioner/1' },
      { param: performer, grp: 0, targetType: null, targetId: null, url: 'https://x.example/Practitioner/1' },
    );
    stampTimeline('Observation', rows);
    expect(rows.reference.map((r) => [r.param, r.targetId, r.url])).toEqual([
      [subject, 'p1', null],
      [performer, 'p1', null],
      [performer, null, 'https://x.example/Practitioner/1'],
      [performer, null, 'https://x.example/Practitioner/1'],
    ]);
    expect(rows.reference.every((r) => r.sortDesc === '-infinity' && r.sortAsc === 'infinity')).toBe(true);
  });
});
