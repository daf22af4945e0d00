// `arbiter policy` subcommands driven through main() with captured output (reads the example files only).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../../processors/cli/policy.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const example = `${root}examples/customer-support/bundle.yaml`;

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await main(argv, (s) => lines.push(s), (s) => errors.push(s));
  return { code, out: lines.join('\n'), err: errors.join('\n') };
}

describe('arbiter policy', () => {
  it('check accepts a good bundle and prints its revision', async () => {
    const r = await run(['check', example]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK customer-support revision [0-9a-f]{64} \(8 rules, 6 tools, 0 warning\(s\)\)$/m);
  });

  it('check rejects a bad bundle with file:line:col and exit code 1', async () => {
    const r = await run(['check', `${root}test/golden/language.tests.yaml`]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/language\.tests\.yaml:\d+:\d+: error ARB_POLICY_UNKNOWN_FIELD/);
  });

  it('test runs golden files and reports coverage', async () => {
    const r = await run(['test', `${root}examples/refunds`]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/coverage: 4\/4 rules fired/);
    expect(r.out).toMatch(/6 passed, 0 failed, 1 file\(s\)/);
  });

  it('explain lists the compiled rules for one tool in evaluation order', async () => {
    const r = await run(['explain', example, '--tool', 'ticket.update']);
    expect(r.code).toBe(0);
    const ids = [...r.out.matchAll(/^ {2}(\S+) \[enforce\]/gm)].map((m) => m[1]);
    expect(ids).toEqual(['support.allowed-tools', 'support.tool-allowlist', 'ticket.status-values', 'ticket.no-assignee', 'ticket.redact-body']);
  });

  it('prints usage and exits 2 on an unknown subcommand, with the code on stderr', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^ARB_CLI_USAGE: arbiter policy: unknown subcommand "frobnicate"\nusage: arbiter policy/);
  });

  it('--help prints the usage and exits 0', async () => {
    for (const argv of [['--help'], ['sign', '--help']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^usage: arbiter policy/);
    }
  });

  it('names what a subcommand is missing', async () => {
    const r = await run(['sign', example, '--key', 'k.pem']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ARB_CLI_USAGE: arbiter policy sign needs --key-id ID, --out SIGNED\.json\n/);
    expect((await run(['explain', example])).err).toMatch(/^ARB_CLI_USAGE: arbiter policy explain needs --tool NAME/);
    expect((await run(['bench', '--iterations', '10'])).err).toMatch(/^ARB_CLI_USAGE: arbiter policy bench: --iterations must be an integer >= 1000, got "10"/);
  });

  it('a missing file is ARB_CLI_INPUT_UNREADABLE naming the path, exit 2, no stack', async () => {
    const r = await run(['check', `${root}no-such-bundle.yaml`]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`ARB_CLI_INPUT_UNREADABLE: arbiter policy check: ${root}no-such-bundle.yaml: no such file or directory`);
    const t = await run(['test', `${root}processors/cli`]);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/^ARB_CLI_INPUT_UNREADABLE: no golden files \(tests\.yaml, \*\.tests\.yaml\) under .*processors\/cli$/);
  });

  it('keygen never overwrites a key pair, and sign refuses a public key as --key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-keygen-'));
    try {
      expect((await run(['keygen', '--out', join(dir, 'k')])).code).toBe(0);
      const again = await run(['keygen', '--out', join(dir, 'k')]);
      expect(again.code).toBe(2);
      expect(again.err).toBe(`ARB_CLI_INPUT_UNREADABLE: arbiter policy keygen: ${join(dir, 'k.key')}: already exists (not overwritten)`);
      const sign = await run(['sign', example, '--key', join(dir, 'k.pub'), '--key-id', 'k1', '--out', join(dir, 's.json')]);
      expect(sign.code).toBe(2);
      expect(sign.err).toMatch(/^ARB_CLI_INPUT_UNREADABLE: --key .*k\.pub is not an Ed25519 private key in PEM/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
