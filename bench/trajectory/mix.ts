// A deterministic, realistic mix of agent sessions for the trajectory benchmarks. Shape (per session):
//   60 % short (1–5 calls, mostly reads), 30 % medium (6–20), 10 % long (21–60, with denies, retries and loops).
// Each call is a proposal, a decision (90 % allow, 7 % deny, 3 % escalate → approval) and, unless denied, a
// result (labels read, untrusted sources from inbox/web tools, destinations seen, a small cost).

import { seededRandom } from '../seeded-random.ts';
import type { Args, Effect, ToolCallProposal, ToolCallResult, Verb } from '../../processors/core/types.ts';
import type { SessionEvent, ToolInfo } from '../../processors/trajectory/index.ts';


interface ToolSpec extends ToolInfo {
  readonly name: string;
  readonly label: string | undefined;
}
const T = (name: string, verb: Verb, untrustedOutput: boolean, cost: number, label?: string): ToolSpec =>
  ({ name, verb, untrustedOutput, cost, label });
export const TOOLS: readonly ToolSpec[] = [
  T('search_emails', 'read', true, 0, 'pii'), T('read_file', 'read', false, 0, 'internal'),
  T('get_balance', 'read', false, 0.001, 'financial'), T('browse_web', 'read', true, 0.002),
  T('search_contacts', 'read', false, 0, 'pii'), T('remember_fact', 'remember', false, 0),
  T('update_calendar', 'write', false, 0), T('send_email', 'communicate', false, 0.0005),
  T('send_money', 'communicate', false, 0.01, 'financial'), T('run_code', 'execute', false, 0.02),
];
const READS = TOOLS.filter((t) => t.verb === 'read');

const WORDS = ('report quarterly meeting invoice budget flight hotel review payment schedule project update team '
  + 'customer account balance transfer summary please thanks attached draft final deadline monday friday lunch '
  + 'agenda notes contract renewal travel booking paris london rome berlin iban reference order').split(' ');

function text(r: () => number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(r() * WORDS.length)] as string);
  return out.join(' ');
}

function argsFor(tool: ToolSpec, r: () => number, i: number): Args {
  switch (tool.verb) {
    case 'communicate':
      return { recipients: [`user${Math.floor(r() * 50)}@corp${Math.floor(r() * 5)}.example`], subject: text(r, 4), body: text(r, 15 + Math.floor(r() * 30)), amount: Math.floor(r() * 500) };
    case 'write':
      return { title: text(r, 3), start: `2026-03-${10 + (i % 18)}T09:00`, participants: [`user${i}@corp.example`] };
    case 'execute':
      return { code: `print(${i})\n${text(r, 10)}` };
    default:
      return { query: text(r, 2 + Math.floor(r() * 4)), limit: 10 };
  }
}

const T0 = Date.UTC(2026, 2, 10, 8);

/** The events of session number `n` of the mix, in order. */
export function sessionEvents(n: number): SessionEvent[] {
  const r = seededRandom(n * 2654435761);
  const kind = r();
  const calls = kind < 0.6 ? 1 + Math.floor(r() * 5) : kind < 0.9 ? 6 + Math.floor(r() * 15) : 21 + Math.floor(r() * 40);
  const ids = { sessionId: `s${n}`, agentId: `agent-${n % 1000}`, userId: `user-${n % 50_000}`, tenantId: `tenant-${n % 20}` };
  let t = T0 + Math.floor(r() * 86_400_000);
  const events: SessionEvent[] = [];
  if (r() < 0.5) events.push({ kind: 'trusted-input', atMs: t, destinations: [`user${Math.floor(r() * 50)}@corp0.example`] });
  let last: ToolCallProposal | undefined;
  let lastTool: ToolSpec | undefined;
  let lastEffect: Effect = 'allow';
  for (let i = 0; i < calls; i++) {
    t += 2000 + Math.floor(r() * 28_000);
    let tool: ToolSpec;
    let args: Args;
    if (last !== undefined && lastTool !== undefined && lastEffect === 'deny' && r() < 0.5) {
      tool = lastTool; // retry after deny with altered arguments
      args = { ...last.args, recipients: [`other${i}@evil.example`] };
    } else if (last !== undefined && lastTool !== undefined && kind >= 0.9 && r() < 0.15) {
      tool = lastTool; // loop: the same call again
      args = last.args;
    } else {
      tool = i === 0 || r() < 0.55 ? READS[Math.floor(r() * READS.length)] as ToolSpec : TOOLS[Math.floor(r() * TOOLS.length)] as ToolSpec;
      args = argsFor(tool, r, i);
    }
    const p: ToolCallProposal = {
      proposalId: `s${n}-p${i}`, ...ids, agentRole: 'assistant', environment: 'prod', tool: tool.name, args,
      intent: 'office_assistant', replyTopic: 'arbiter.verdicts', replyPartition: 0, deadlineMs: t + 5000, createdAtMs: t,
    };
    const d = r();
    const effect: Effect = d < 0.9 ? 'allow' : d < 0.97 ? 'deny' : 'escalate';
    events.push({ kind: 'proposal', atMs: t, proposal: p, tool, outsideIntent: tool.verb === 'execute' });
    events.push({ kind: 'decision', atMs: t + 1, proposal: p, tool, effect, ruleIds: effect === 'allow' ? [] : ['rule-1'] });
    if (effect === 'escalate') events.push({ kind: 'approval', atMs: t + 30_000, proposalId: p.proposalId, approved: r() < 0.7 });
    if (effect !== 'deny') {
      const records = tool.label !== undefined ? Math.floor(r() * 20) : 0;
      const res: ToolCallResult = {
        proposalId: p.proposalId, ...ids, tool: tool.name, outcome: r() < 0.95 ? 'success' : 'error',
        recordsRead: tool.label !== undefined ? { [tool.label]: records } : {},
        bytesRead: tool.label !== undefined ? { [tool.label]: records * 400 } : {},
        untrustedSources: tool.untrustedOutput ? [tool.name === 'browse_web' ? `web:site${Math.floor(r() * 100)}.example` : 'email:inbox'] : [],
        destinationsSeen: tool.verb === 'read' && r() < 0.4 ? [`user${Math.floor(r() * 50)}@corp${Math.floor(r() * 5)}.example`] : [],
        modificationApplied: false, cost: 0, completedAtMs: t + 300,
      };
      events.push({ kind: 'result', atMs: t + 300, result: res, tool });
    }
    last = p;
    lastTool = tool;
    lastEffect = effect;
  }
  return events;
}
