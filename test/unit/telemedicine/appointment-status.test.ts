import { allowedTransition } from '../../../src/telemedicine/appointments';

describe('appointment status workflow', () => {
  it.each([
    ['proposed', 'booked'],
    ['proposed', 'pending'],
    ['pending', 'booked'],
    ['booked', 'arrived'],
    ['arrived', 'fulfilled'],
    ['booked', 'cancelled'],
    ['booked', 'noshow'],
    ['proposed', 'cancelled'],
    ['fulfilled', 'entered-in-error'],
    ['booked', 'booked'],
  ] as const)('%s → %s is allowed', (from, to) => expect(allowedTransition(from, to)).toBe(true));

  it.each([
    ['proposed', 'arrived'],
    ['proposed', 'fulfilled'],
    ['proposed', 'noshow'],
    ['booked', 'proposed'],
    ['arrived', 'noshow'],
    ['fulfilled', 'booked'],
    ['cancelled', 'booked'],
    ['noshow', 'arrived'],
    ['entered-in-error', 'booked'],
  ] as const)('%s → %s is refused', (from, to) => expect(allowedTransition(from, to)).toBe(false));
});
