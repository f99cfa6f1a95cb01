import { UsageError } from '../../../../src/cli/failure';
import { seedOptions } from '../../../../src/telemedicine/seed/command';

describe('kolibri seed options', () => {
  it('reads the options, with defaults for those not given', () => {
    expect(seedOptions(['--patients', '20', '--months', '2', '--end', '2031-06-30', '--prefix', 'demo'])).toEqual({ patients: 20, months: 2, end: '2031-06-30', prefix: 'demo' });
    expect(seedOptions(['--patients=5'])).toMatchObject({ patients: 5, months: 6, prefix: 'seed' });
  });

  it('refuses bad values as usage errors, and unknown options as parseArgs errors', () => {
    expect(() => seedOptions(['--patients', '0'])).toThrow(UsageError);
    expect(() => seedOptions(['--months', '61'])).toThrow(/--months must be a positive integer/);
    expect(() => seedOptions(['--end', '2031-02-30'])).toThrow(/--end must be a date/);
    expect(() => seedOptions(['--prefix', 'UPPER'])).toThrow(/--prefix/);
    expect(() => seedOptions(['--frobnicate', '1'])).toThrow(expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }));
  });
});
