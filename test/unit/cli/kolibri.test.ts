import { addCommand, cli, commands } from '../../../src/cli/kolibri';

describe('kolibri CLI dispatcher', () => {
  let out: string;
  let err: string;
  beforeEach(() => {
    out = '';
    err = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  });
  afterEach(() => jest.restoreAllMocks());

  it('lists every command with --help and exits 0', async () => {
    expect(await cli(['--help'])).toBe(0);
    for (const name of Object.keys(commands)) expect(out).toContain(name);
  });

  it('exits 2 with usage for no command or an unknown one', async () => {
    expect(await cli([])).toBe(2);
    expect(await cli(['frobnicate'])).toBe(2);
    expect(err).toBe("kolibri: unknown command 'frobnicate' (kolibri --help lists the commands)\n");
  });

  it('turns a command that throws (even undefined) into one line and exit 1', async () => {
    addCommand('explode', { summary: 'throws', load: async () => ({ run: () => Promise.reject(undefined) }) });
    try {
      expect(await cli(['explode'])).toBe(1);
      expect(err).toBe('kolibri explode: failed without saying why (undefined)\n');
    } finally {
      delete commands.explode;
    }
  });

  it("passes --help to a command, which explains itself without side effects", async () => {
    expect(await cli(['migrate', '--help'])).toBe(0);
    expect(out).toContain('Usage: kolibri migrate');
  });
});
