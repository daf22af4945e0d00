// `arbiter policy check|test|explain|bench|sign|publish|keygen`. Exit codes: 0 ok, 1 policy problems or failing cases,
// 2 usage errors. Output is plain text; --json prints machine-readable results for check and test.

import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ArbiterError, formatLocation, type Problem } from '../core/errors.ts';
import { compileBundle, generateSigningKeys, signBundle, STAGES, type PolicyBundle, type PolicySource } from '../policy/index.ts';
import { runGoldenFile, type GoldenReport } from '../policy/golden.ts';
import { runBench, formatBench } from './policy-bench.ts';
import { publishSignedBundle } from './policy-publish.ts';
import { failureCode, failureExitCode, failureText, usageError } from './failure.ts';

type Out = (s: string) => void;
const stdout: Out = (s) => process.stdout.write(`${s}\n`);
const stderr: Out = (s) => process.stderr.write(`${s}\n`);

export const POLICY_USAGE = `usage: arbiter policy <subcommand>
  check FILE...                       validate and lint a bundle (files are layers, base first)
  test [PATH...]                      run golden cases (files, or dirs searched for tests.yaml and *.tests.yaml);
                                      default: examples/ and test/golden/ (tests.yaml, *.tests.yaml); reports rule coverage
  explain FILE... --tool NAME         show the compiled rules that apply to one tool (--stages: list compiler stages)
  bench [FILE... --tool NAME [--args JSON]] [--rules 200] [--iterations 200000]
                                      measure evaluate() cost (p50/p99); without files, a generated bundle of --rules rules
  sign FILE... --key PRIVATE.pem --key-id ID [--name NAME] --out SIGNED.json
  publish SIGNED.json [--by NAME]     activate a signed bundle: its PolicyBundleActivated event on
                                      <ARBITER_TOPIC_PREFIX>.policy-bundles (endpoints as for the processors)
  keygen --out PREFIX                 write PREFIX.key (Ed25519 private, PEM) and PREFIX.pub
  add --json to check and test for JSON output`;

/** Golden cases shipped with the repository, found from any working directory. */
const DEFAULT_GOLDEN_PATHS = ['examples', 'test/golden'].map((d) => join(import.meta.dirname, '..', '..', d));

export function readSources(files: readonly string[]): PolicySource[] {
  return files.map((f) => ({ path: f, text: readFileSync(f, 'utf8') }));
}

export function formatProblem(p: Problem): string {
  return `${p.location ? formatLocation(p.location) : '-'}: ${p.severity} ${p.code}: ${p.message}`;
}

function check(files: readonly string[], json: boolean, out: Out): number {
  const { bundle, problems } = compileBundle(readSources(files));
  if (json) out(JSON.stringify({ ok: bundle !== undefined, revision: bundle?.revision ?? null, problems }, null, 2));
  else {
    for (const p of problems) out(formatProblem(p));
    out(bundle ? `OK ${bundle.name} revision ${bundle.revision} (${bundle.rules.length} rules, ${bundle.tools.size} tools, ${problems.length} warning(s))` : `REJECTED: ${problems.filter((p) => p.severity === 'error').length} error(s)`);
  }
  return bundle ? 0 : 1;
}

/** Golden files under the given paths: a file as is; in a directory (recursively), every tests.yaml and *.tests.yaml. */
export function findGoldenFiles(paths: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (p: string, depth: number): void => {
    const st = statSync(p);
    if (st.isFile()) {
      found.push(p);
      return;
    }
    if (depth > 4) return;
    for (const name of readdirSync(p).sort()) {
      const full = join(p, name);
      const s = statSync(full);
      if (s.isDirectory()) walk(full, depth + 1);
      else if (name === 'tests.yaml' || name.endsWith('.tests.yaml')) found.push(full);
    }
  };
  for (const p of paths) walk(p, 0);
  return found;
}

function test(paths: readonly string[], json: boolean, out: Out): number {
  const searched = paths.length > 0 ? paths : DEFAULT_GOLDEN_PATHS;
  const files = findGoldenFiles(searched);
  if (files.length === 0) throw new ArbiterError('ARB_CLI_INPUT_UNREADABLE', `no golden files (tests.yaml, *.tests.yaml) under ${searched.join(', ')}`);
  const reports: GoldenReport[] = files.map((f) => runGoldenFile(f));
  let failed = 0;
  let passed = 0;
  for (const r of reports) {
    failed += r.problems.length + r.results.filter((c) => !c.pass).length;
    passed += r.results.filter((c) => c.pass).length;
  }
  if (json) {
    out(JSON.stringify({ passed, failed, files: reports.map((r) => ({ ...r, results: r.results.map(({ decision: _d, ...c }) => c) })) }, null, 2));
    return failed === 0 ? 0 : 1;
  }
  for (const r of reports) {
    out(`${r.file}`);
    for (const p of r.problems) out(`  ${formatProblem(p)}`);
    for (const c of r.results) {
      out(`  ${c.pass ? 'PASS' : 'FAIL'} ${c.note}`);
      for (const f of c.failures) out(`       ${f}`);
    }
    if (r.rules.length > 0) {
      const missing = r.rules.filter((id) => !r.covered.includes(id));
      out(`  coverage: ${r.covered.length}/${r.rules.length} rules fired${missing.length > 0 ? `; never fired: ${missing.join(', ')}` : ''}`);
    }
  }
  out(`${passed} passed, ${failed} failed, ${files.length} file(s)`);
  return failed === 0 ? 0 : 1;
}

export function explainTool(bundle: PolicyBundle, tool: string): string[] {
  const lines: string[] = [];
  const tr = bundle.index.get(tool);
  const meta = bundle.tools.get(tool);
  lines.push(`bundle ${bundle.name} revision ${bundle.revision.slice(0, 16)} default ${bundle.defaultEffect}`);
  if (meta === undefined) lines.push(`tool ${tool}: not declared (ARB_POLICY_UNKNOWN_TOOL); wildcard rules that match it apply`);
  else {
    lines.push(`tool ${tool}: verb ${meta.verb}, side effect ${meta.sideEffect}, labels [${meta.labels.join(', ')}], untrusted output ${meta.untrustedOutput}, cost ${meta.cost}`);
    lines.push(`  destinations: ${meta.destinationArgs.map((d) => `${d.arg}=${d.kind}`).join(', ') || 'none'}; amounts: ${meta.amounts.join(', ') || 'none'}`);
    lines.push(`  args: ${Object.entries(meta.args).map(([n, d]) => `${n}:${d.type}${d.required ? '!' : ''}`).join(', ') || 'unchecked'}`);
  }
  const rules = tr?.rules ?? bundle.wildcardRules.filter((r) => r.matchesTool(tool));
  lines.push(`rules (${rules.length}, in evaluation order):`);
  for (const r of rules) {
    lines.push(`  ${r.id} [${r.mode}] ${r.effect}  tools ${r.toolsText}  scope ${r.scopeText}  (${r.location})`);
    if (r.when) lines.push(`      when ${r.when.text}`);
    for (const m of r.modifications) lines.push(`      ${m.detail}`);
    if (r.approval) lines.push(`      approvers ${r.approval.approvers.join(', ')} timeout ${r.approval.timeoutMs} ms on timeout ${r.approval.onTimeout}`);
  }
  return lines;
}

function keygen(prefix: string, out: Out): number {
  const k = generateSigningKeys();
  // 'wx': never overwrite a key pair (a lost private key cannot sign the next bundle).
  writeFileSync(`${prefix}.key`, k.privateKeyPem, { mode: 0o600, flag: 'wx' });
  writeFileSync(`${prefix}.pub`, k.publicKeyPem, { flag: 'wx' });
  out(`wrote ${prefix}.key and ${prefix}.pub`);
  return 0;
}

/** What each subcommand needs besides its options, for the message when something is missing. */
function missing(sub: string, files: readonly string[], v: Record<string, unknown>): string | undefined {
  const need = (cond: boolean, what: string): string[] => (cond ? [] : [what]);
  const gaps: Record<string, string[]> = {
    check: need(files.length > 0, 'FILE...'),
    explain: v['stages'] === true ? [] : [...need(files.length > 0, 'FILE...'), ...need(v['tool'] !== undefined, '--tool NAME')],
    sign: [...need(files.length > 0, 'FILE...'), ...need(v['key'] !== undefined, '--key PRIVATE.pem'), ...need(v['key-id'] !== undefined, '--key-id ID'), ...need(v['out'] !== undefined, '--out SIGNED.json')],
    publish: need(files.length === 1, 'exactly one SIGNED.json'),
    keygen: need(v['out'] !== undefined, '--out PREFIX'),
  };
  const gap = gaps[sub];
  return gap === undefined || gap.length === 0 ? undefined : `arbiter policy ${sub} needs ${gap.join(', ')}`;
}

function positiveIntOption(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw usageError(`arbiter policy bench: --${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

const SUBCOMMANDS = ['check', 'test', 'explain', 'bench', 'sign', 'publish', 'keygen'];

/** Failures go to `err` as one line with a stable code (processors/cli/failure.ts); results to `out`. */
export async function main(argv: readonly string[], out: Out = stdout, err: Out = stderr): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    return await run(sub, rest, out);
  } catch (e) {
    err(`${failureText(e, `policy ${sub ?? ''}`.trim())}${failureCode(e) === 'ARB_CLI_USAGE' ? `\n${POLICY_USAGE}` : ''}`);
    return failureExitCode(e);
  }
}

async function run(sub: string | undefined, rest: readonly string[], out: Out): Promise<number> {
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    if (sub === undefined) throw usageError('arbiter policy needs a subcommand');
    out(POLICY_USAGE);
    return 0;
  }
  if (!SUBCOMMANDS.includes(sub)) throw usageError(`arbiter policy: unknown subcommand "${sub}"`);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        json: { type: 'boolean' }, tool: { type: 'string' }, stages: { type: 'boolean' }, rules: { type: 'string' },
        iterations: { type: 'string' }, key: { type: 'string' }, 'key-id': { type: 'string' }, name: { type: 'string' },
        out: { type: 'string' }, args: { type: 'string' }, help: { type: 'boolean', short: 'h' }, by: { type: 'string' },
      },
    });
  } catch (e) {
    throw usageError(`arbiter policy ${sub}: ${(e as Error).message}`);
  }
  const { values: v, positionals: files } = parsed;
  if (v.help === true) {
    out(POLICY_USAGE);
    return 0;
  }
  const gap = missing(sub, files, v);
  if (gap !== undefined) throw usageError(gap);
  const json = v.json === true;
  switch (sub) {
    case 'check':
      return check(files, json, out);
    case 'test':
      return test(files, json, out);
    case 'explain': {
      if (v.stages === true) {
        for (const s of STAGES) out(`${s.name}${s.dependsOn.length > 0 ? `  (after ${s.dependsOn.join(', ')})` : ''}`);
        return 0;
      }
      const { bundle, problems } = compileBundle(readSources(files));
      if (bundle === undefined) {
        for (const p of problems) out(formatProblem(p));
        return 1;
      }
      for (const l of explainTool(bundle, v.tool as string)) out(l);
      return 0;
    }
    case 'bench': {
      let args: unknown = {};
      try {
        if (v.args !== undefined) args = JSON.parse(v.args);
      } catch (e) {
        throw usageError(`arbiter policy bench: --args is not JSON: ${(e as Error).message}`);
      }
      if (args === null || typeof args !== 'object' || Array.isArray(args)) throw usageError('arbiter policy bench: --args must be a JSON object');
      const result = runBench({
        files,
        tool: v.tool,
        args: args as Record<string, unknown>,
        rules: positiveIntOption('rules', v.rules, 200, 1),
        iterations: positiveIntOption('iterations', v.iterations, 200_000, 1000),
      });
      if (typeof result === 'string') {
        out(result);
        return 1;
      }
      out(json ? JSON.stringify(result, null, 2) : formatBench(result));
      return 0;
    }
    case 'sign': {
      const sources = readSources(files);
      const { bundle, problems } = compileBundle(sources);
      if (bundle === undefined) {
        for (const p of problems) out(formatProblem(p));
        return 1;
      }
      const keyFile = v.key as string;
      let signed;
      try {
        signed = signBundle(v.name ?? bundle.name, sources, readFileSync(keyFile, 'utf8'), v['key-id'] as string);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).path !== undefined) throw e;
        throw new ArbiterError('ARB_CLI_INPUT_UNREADABLE', `--key ${keyFile} is not an Ed25519 private key in PEM (arbiter policy keygen writes one to PREFIX.key): ${(e as Error).message}`, { file: keyFile });
      }
      writeFileSync(v.out as string, JSON.stringify(signed, null, 2));
      out(`signed ${signed.name} revision ${bundle.revision} with key ${signed.keyId} -> ${v.out}`);
      return 0;
    }
    case 'publish': {
      const p = await publishSignedBundle(files[0] as string, v.by ?? process.env['USER'] ?? 'arbiter policy publish', process.env);
      out(`published ${p.name} revision ${p.revision} -> ${p.topic}`);
      return 0;
    }
    default:
      return keygen(v.out as string, out);
  }
}
