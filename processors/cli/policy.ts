// `arbiter policy check|test|explain|bench|sign|publish|keygen`. Exit codes: 0 ok, 1 policy problems or failing cases,
// 2 usage errors. Output is plain text; --json prints machine-readable results for check and test.

import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatLocation, type Problem } from '../core/errors.ts';
import { compileBundle, generateSigningKeys, signBundle, STAGES, type PolicyBundle, type PolicySource } from '../policy/index.ts';
import { runGoldenFile, type GoldenReport } from '../policy/golden.ts';
import { runBench, formatBench } from './policy-bench.ts';
import { publishSignedBundle } from './policy-publish.ts';

type Out = (s: string) => void;
const stdout: Out = (s) => process.stdout.write(`${s}\n`);

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
  const files = findGoldenFiles(paths.length > 0 ? paths : ['examples', 'test/golden']);
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
  writeFileSync(`${prefix}.key`, k.privateKeyPem, { mode: 0o600 });
  writeFileSync(`${prefix}.pub`, k.publicKeyPem);
  out(`wrote ${prefix}.key and ${prefix}.pub`);
  return 0;
}

export async function main(argv: readonly string[], out: Out = stdout): Promise<number> {
  const [sub, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        json: { type: 'boolean' }, tool: { type: 'string' }, stages: { type: 'boolean' }, rules: { type: 'string' },
        iterations: { type: 'string' }, key: { type: 'string' }, 'key-id': { type: 'string' }, name: { type: 'string' },
        out: { type: 'string' }, args: { type: 'string' }, help: { type: 'boolean' }, by: { type: 'string' },
      },
    });
  } catch (e) {
    out(`${(e as Error).message}\n${POLICY_USAGE}`);
    return 2;
  }
  const { values: v, positionals: files } = parsed;
  const json = v.json === true;
  try {
    switch (sub) {
      case 'check':
        if (files.length === 0) break;
        return check(files, json, out);
      case 'test':
        return test(files, json, out);
      case 'explain': {
        if (v.stages === true) {
          for (const s of STAGES) out(`${s.name}${s.dependsOn.length > 0 ? `  (after ${s.dependsOn.join(', ')})` : ''}`);
          return 0;
        }
        if (files.length === 0 || v.tool === undefined) break;
        const { bundle, problems } = compileBundle(readSources(files));
        if (bundle === undefined) {
          for (const p of problems) out(formatProblem(p));
          return 1;
        }
        for (const l of explainTool(bundle, v.tool)) out(l);
        return 0;
      }
      case 'bench': {
        const args: unknown = v.args === undefined ? {} : JSON.parse(v.args);
        if (args === null || typeof args !== 'object' || Array.isArray(args)) {
          out('--args must be a JSON object');
          return 2;
        }
        const result = runBench({
          files,
          tool: v.tool,
          args: args as Record<string, unknown>,
          rules: v.rules === undefined ? 200 : Number(v.rules),
          iterations: v.iterations === undefined ? 200_000 : Number(v.iterations),
        });
        if (typeof result === 'string') {
          out(result);
          return 1;
        }
        out(json ? JSON.stringify(result, null, 2) : formatBench(result));
        return 0;
      }
      case 'sign': {
        if (files.length === 0 || v.key === undefined || v['key-id'] === undefined || v.out === undefined) break;
        const sources = readSources(files);
        const { bundle, problems } = compileBundle(sources);
        if (bundle === undefined) {
          for (const p of problems) out(formatProblem(p));
          return 1;
        }
        const signed = signBundle(v.name ?? bundle.name, sources, readFileSync(v.key, 'utf8'), v['key-id']);
        writeFileSync(v.out, JSON.stringify(signed, null, 2));
        out(`signed ${signed.name} revision ${bundle.revision} with key ${signed.keyId} -> ${v.out}`);
        return 0;
      }
      case 'publish': {
        if (files.length !== 1) break;
        const p = await publishSignedBundle(files[0] as string, v.by ?? process.env['USER'] ?? 'arbiter policy publish', process.env);
        out(`published ${p.name} revision ${p.revision} -> ${p.topic}`);
        return 0;
      }
      case 'keygen':
        if (v.out === undefined) break;
        return keygen(v.out, out);
      default:
        break;
    }
  } catch (e) {
    out(`arbiter policy ${sub ?? ''}: ${(e as Error).message}`);
    return 2;
  }
  out(POLICY_USAGE);
  return 2;
}
