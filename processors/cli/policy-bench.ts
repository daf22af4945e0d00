// `arbiter policy bench`: evaluate() cost per call. Times every call with hrtime and reports p50/p99/p99.9.
// Without files it generates a bundle of N rules (default 200) that reads session facts, destinations, lists,
// ranges and RE2 patterns, and runs a fixed mix of proposals (allowed, denied by destination, denied by a fact,
// modified, undeclared tool). Two shapes: "indexed" (rules spread over 40 tools, what the index is for) and
// "all-wildcard" (every rule applies to every tool: the worst case for the index).

import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { EMPTY_FACTS, type SessionFacts, type ToolCallProposal } from '../core/types.ts';
import { compileBundle, evaluate, type PolicyBundle } from '../policy/index.ts';
import { proposalFrom } from '../policy/golden.ts';

export interface BenchOptions {
  readonly files: readonly string[];
  readonly tool: string | undefined;
  /** Arguments for the --tool proposal when benchmarking files (JSON object). */
  readonly args: Readonly<Record<string, unknown>>;
  readonly rules: number;
  readonly iterations: number;
}

export interface BenchLine {
  readonly shape: string;
  readonly rules: number;
  readonly rulesForTool: number;
  readonly iterations: number;
  readonly p50us: number;
  readonly p99us: number;
  readonly p999us: number;
  readonly meanUs: number;
  /** CPU time (process.cpuUsage) per call over the timed loop: excludes time the process was descheduled. */
  readonly cpuMeanUs: number;
}

export interface BenchResult {
  readonly node: string;
  readonly lines: readonly BenchLine[];
}

const TOOLS = 40;

/** A generated bundle: `rules` rules in total; `wildcard` rules apply to every tool, the rest are per tool. */
export function generateBenchBundle(rules: number, allWildcard: boolean): string {
  const out: string[] = ['bundle: bench', 'default: deny', 'lists:'];
  out.push(`  allowed_domains: [${Array.from({ length: 20 }, (_, i) => `d${i}.example.com`).join(', ')}]`);
  out.push('  statuses: [open, in_progress, resolved, escalated]');
  out.push('tools:');
  for (let t = 0; t < TOOLS; t++) {
    out.push(`  tool_${t}:`, `    verb: ${t % 3 === 0 ? 'communicate' : 'write'}`, '    destinations: { to: email }', '    labels: [pii]');
  }
  out.push('intents:', `  bench_task: [${Array.from({ length: TOOLS }, (_, t) => `tool_${t}`).join(', ')}]`, 'rules:');
  const templates = [
    (id: string, tools: string) => [`  - id: ${id}`, `    tools: ${tools}`, '    effect: allow'],
    (id: string, tools: string) => [`  - id: ${id}`, `    tools: ${tools}`, '    when: { all: [{ session.tainted: true }, { destination.domain: { domain_not_in: { list: allowed_domains } } }] }', '    effect: deny'],
    (id: string, tools: string) => [`  - id: ${id}`, `    tools: ${tools}`, "    when: { 'session.read.records{label=pii}': { gt: 1000 } }", '    effect: deny'],
    (id: string, tools: string) => [`  - id: ${id}`, `    tools: ${tools}`, '    when: { args.amount: { gt: 500, lte: 100000 } }', '    effect: escalate', '    escalate: { approvers: [finance], timeout: 600s, on_timeout: deny }'],
    (id: string, tools: string) => [`  - id: ${id}`, `    tools: ${tools}`, '    when: { args.status: { not_in: { list: statuses } } }', '    effect: deny'],
    (id: string, tools: string) => [`  - id: ${id}`, `    tools: ${tools}`, '    when: { session.rate.session: { gt: 30 } }', '    effect: deny'],
    (id: string, tools: string) => [`  - id: ${id}`, `    tools: ${tools}`, "    when: { args.query: { matches: '(?i)drop\\s+table' } }", '    effect: deny'],
    (id: string, tools: string) => [`  - id: ${id}`, `    tools: ${tools}`, '    mode: observe', '    when: { session.identical_calls: { gte: 5 } }', '    effect: deny'],
    (id: string, tools: string) => [`  - id: ${id}`, `    tools: ${tools}`, '    effect: modify', '    modify: [{ cap: args.amount, max: 50000 }]'],
    (id: string, tools: string) => [`  - id: ${id}`, `    tools: ${tools}`, '    when: { any: [{ session.quarantined: true }, { session.spent.day: { gte: 5 } }, { intent.on_task: false }] }', '    effect: deny'],
  ];
  for (let i = 0; i < rules; i++) {
    const template = templates[i % templates.length]!;
    const tools = allWildcard ? '"*"' : i % templates.length === 9 ? '"tool_*"' : `tool_${Math.floor(i / templates.length) % TOOLS}`;
    out.push(...template(`r${i}`, tools));
  }
  return `${out.join('\n')}\n`;
}

function benchFacts(): SessionFacts {
  return {
    ...EMPTY_FACTS,
    tainted: true,
    stepCount: 12,
    readRecords: { pii: 40 },
    readBytes: { pii: 4096 },
    ratePerMinute: { session: 4, agent: 10, tenant: 50 },
    spent: { day: 1.25, month: 30 },
    identicalCallsInWindow: 1,
    destinationOrigin: () => 'trusted',
  };
}

function benchProposals(tool: string | undefined, args: Readonly<Record<string, unknown>> = {}): ToolCallProposal[] {
  const base = { role: 'agent', tenant: 't1', user: 'u1', environment: 'production', intent: 'bench_task' };
  if (tool !== undefined) return [proposalFrom({ ...base, intent: '', tool, args })];
  return [
    proposalFrom({ ...base, tool: 'tool_3', args: { to: 'a@d3.example.com', amount: 20, status: 'open', query: 'select 1' } }),
    proposalFrom({ ...base, tool: 'tool_7', args: { to: 'x@evil.example', amount: 20, status: 'open', query: 'hello' } }),
    proposalFrom({ ...base, tool: 'tool_12', args: { to: 'a@d1.example.com', amount: 900, status: 'open', query: 'q' } }),
    proposalFrom({ ...base, tool: 'tool_20', args: { to: 'a@d2.example.com', amount: 90000, status: 'closed', query: 'q' } }),
    proposalFrom({ ...base, tool: 'not_declared', args: {} }),
  ];
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function measure(bundle: PolicyBundle, proposals: readonly ToolCallProposal[], facts: SessionFacts, iterations: number, shape: string): BenchLine {
  const now = Date.UTC(2026, 10, 21);
  for (let i = 0; i < 20_000; i++) evaluate(bundle, proposals[i % proposals.length]!, facts, now);
  const samples = new Float64Array(iterations);
  let sink = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const p = proposals[i % proposals.length]!;
    const t0 = process.hrtime.bigint();
    const d = evaluate(bundle, p, facts, now);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
    sink += d.ruleIds.length;
  }
  const cpu = process.cpuUsage(cpu0);
  if (sink < 0) throw new Error('unreachable');
  const mean = samples.reduce((a, b) => a + b, 0) / iterations;
  samples.sort();
  const first = proposals[0]!;
  return {
    shape,
    rules: bundle.rules.length,
    rulesForTool: (bundle.index.get(first.tool)?.rules ?? bundle.wildcardRules).length,
    iterations,
    p50us: percentile(samples, 0.5),
    p99us: percentile(samples, 0.99),
    p999us: percentile(samples, 0.999),
    meanUs: mean,
    cpuMeanUs: (cpu.user + cpu.system) / iterations,
  };
}

export function runBench(o: BenchOptions): BenchResult | string {
  if (!Number.isInteger(o.rules) || o.rules < 1 || !Number.isInteger(o.iterations) || o.iterations < 1000) {
    return '--rules must be a positive integer and --iterations at least 1000';
  }
  const facts = benchFacts();
  const lines: BenchLine[] = [];
  if (o.files.length > 0) {
    const { bundle, problems } = compileBundle(o.files.map((f) => ({ path: f, text: readFileSync(f, 'utf8') })));
    if (bundle === undefined) return problems.map((p) => `${p.code}: ${p.message}`).join('\n');
    const tool = o.tool ?? bundle.index.keys().next().value;
    if (tool === undefined) return 'the bundle has no tools; pass --tool';
    lines.push(measure(bundle, benchProposals(tool, o.args), facts, o.iterations, `files, tool ${tool}`));
  } else {
    for (const allWildcard of [false, true]) {
      const text = generateBenchBundle(o.rules, allWildcard);
      const { bundle, problems } = compileBundle([{ path: 'generated', text }]);
      if (bundle === undefined) return problems.map((p) => `${p.code}: ${p.message}`).join('\n');
      lines.push(measure(bundle, benchProposals(undefined), facts, o.iterations, allWildcard ? 'all-wildcard' : 'indexed'));
    }
  }
  return { node: process.version, lines };
}

export function formatBench(r: BenchResult): string {
  const rows = r.lines.map(
    (l) => `${l.shape.padEnd(22)} rules ${String(l.rules).padStart(4)}  for tool ${String(l.rulesForTool).padStart(4)}  n=${l.iterations}  p50 ${l.p50us.toFixed(2)} us  p99 ${l.p99us.toFixed(2)} us  p99.9 ${l.p999us.toFixed(2)} us  mean ${l.meanUs.toFixed(2)} us  cpu/call ${l.cpuMeanUs.toFixed(2)} us`,
  );
  const load = loadavg().map((x) => x.toFixed(1)).join(' ');
  return [`node ${r.node}, ${cpus().length} cpus, load average ${load}; evaluate() timed per call with hrtime (timer cost included)`, ...rows].join('\n');
}
