import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../processors/cli/eval.ts';

describe('arbiter eval arguments', () => {
  it('prints the usage for --help (exit 0) and names an unknown option with the usage (exit 2), without a stack trace', async () => {
    const out: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (out.push(String(s)), true));
    try {
      expect(await main(['--help'])).toBe(0);
      expect(out.join('')).toMatch(/^usage: arbiter eval <dataset-dir>/);
      out.length = 0;
      expect(await main(['--bogus'])).toBe(2);
      expect(out.join('')).toMatch(/^ARB_CLI_USAGE: arbiter eval: Unknown option '--bogus'.*\nusage: arbiter eval/s);
      out.length = 0;
      expect(await main([])).toBe(2);
      expect(out.join('')).toMatch(/^ARB_CLI_USAGE: arbiter eval needs the dataset directory .*\nusage: arbiter eval/s);
      out.length = 0;
      expect(await main(['--examples', 'x', 'dir'])).toBe(2);
      expect(out.join('')).toBe('ARB_CLI_USAGE: arbiter eval: --examples must be a non-negative integer, got "x"\n');
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });
});
