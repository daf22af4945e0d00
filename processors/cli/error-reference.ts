// The error reference a user looks a code up in: the catalogue (processors/core/errors.ts) grouped by concern, each
// group with where to read more. `arbiter errors` prints it; docs/errors.md is its Markdown rendering, and
// test/unit/docs/reference.test.ts fails when that file is not the current rendering (run `arbiter errors --markdown
// > docs/errors.md` after adding a code).
import { ERROR_CATALOGUE, type ErrorCode } from '../core/errors.ts';

export interface ErrorGroup {
  /** Codes whose name starts with one of these (then `_`). */
  readonly prefixes: readonly string[];
  readonly title: string;
  /** Where a user reads more: docs and source paths, relative to the repository root. */
  readonly see: string;
}

/** In the order the reference lists them; a code matches the group of its longest prefix. */
export const ERROR_GROUPS: readonly ErrorGroup[] = [
  { prefixes: ['ARB_CONFIG', 'ARB_STACK'], title: 'Configuration and local servers', see: '[configuration.md](configuration.md), `deploy/local`' },
  { prefixes: ['ARB_CLI', 'ARB_VERIFY'], title: 'The arbiter command', see: '`arbiter --help`, [README](../README.md)' },
  { prefixes: ['ARB_POLICY'], title: 'Policy bundles: loading, linting, signing, evaluation, golden tests', see: '[policy-language.md](policy-language.md), `arbiter policy check`' },
  { prefixes: ['ARB_VERDICT'], title: 'Verdict processor (these also travel on deny verdicts)', see: '`processors/verdict`, [decisions.md](decisions.md)' },
  { prefixes: ['ARB_SDK'], title: 'Agent SDK', see: '[README, Agent SDK](../README.md#agent-sdk), `processors/sdk`' },
  { prefixes: ['ARB_APPROVAL'], title: 'Approvals', see: '[README, Approvals](../README.md#approvals), `arbiter approvals --help`' },
  { prefixes: ['ARB_CHAIN'], title: 'Evidence hash chain (arbiter verify)', see: '`arbiter verify --help`, `processors/core/chain.ts`' },
  { prefixes: ['ARB_CH'], title: 'ClickHouse sink', see: '`processors/sinks/clickhouse`, [configuration.md](configuration.md)' },
  { prefixes: ['ARB_SIEM'], title: 'SIEM forwarders', see: '`deploy/siem/forwarders.yaml`, `processors/sinks/siem`' },
  { prefixes: ['ARB_TRANSPORT', 'ARB_ASSIGN'], title: 'Kafka clients and partition assignment', see: '[security.md](security.md) (TLS, SASL, ACLs), [configuration.md](configuration.md)' },
  { prefixes: ['ARB_SERDE', 'ARB_SCHEMA', 'ARB_TOPICS'], title: 'Wire contract, schema registry and topics', see: '`schemas/`, `processors/runtime/serde`, `processors/runtime/topics.ts`' },
  { prefixes: ['ARB_STREAM', 'ARB_SHUTDOWN', 'ARB_TRAJECTORY'], title: 'Stream runtime and session state', see: '`processors/runtime/stream`, `processors/trajectory`' },
  { prefixes: ['ARB_AGG', 'ARB_FEED', 'ARB_RATE'], title: 'Cross-session aggregator and its feeds', see: '`processors/aggregator`, [configuration.md](configuration.md)' },
  { prefixes: ['ARB_EVAL'], title: 'Evaluation (arbiter eval)', see: '`arbiter eval --help`, [benchmarks.md](benchmarks.md)' },
  { prefixes: ['ARB_DEMO', 'ARB_PIPELINE'], title: 'Demo and in-process pipelines', see: '[README, make demo](../README.md#make-demo-the-main-job), `.run/demo/demo.log`' },
];

const OTHER: ErrorGroup = { prefixes: [], title: 'Other', see: '`processors/core/errors.ts`' };

export const ALL_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export function isErrorCode(s: string): s is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, s);
}

export function groupOf(code: string): ErrorGroup {
  let best: ErrorGroup = OTHER;
  let bestLength = 0;
  for (const g of ERROR_GROUPS) {
    for (const p of g.prefixes) if (code.startsWith(`${p}_`) && p.length > bestLength) [best, bestLength] = [g, p.length];
  }
  return best;
}

/** The codes of each group, groups in ERROR_GROUPS order (Other last), codes in catalogue order. */
export function groupedCodes(): Array<{ group: ErrorGroup; codes: ErrorCode[] }> {
  const groups = [...ERROR_GROUPS, OTHER].map((group) => ({ group, codes: [] as ErrorCode[] }));
  for (const code of ALL_CODES) groups.find((g) => g.group === groupOf(code))?.codes.push(code);
  return groups.filter((g) => g.codes.length > 0);
}

/** A Markdown link as a terminal shows it: `text (path from the repository root)`. */
function plainLinks(s: string): string {
  return s.replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_m, text: string, href: string) =>
    `${text} (${href.startsWith('../') ? href.slice(3) : `docs/${href}`})`);
}

/** One code as the terminal shows it. */
export function describeCode(code: ErrorCode): string {
  const info = ERROR_CATALOGUE[code];
  const group = groupOf(code);
  return `${code} (${group.title}; HTTP ${info.http})\n  ${info.summary}\n  see ${plainLinks(group.see)}`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function renderErrorReference(): string {
  const lines = [
    '# Error reference',
    '',
    'Every error Arbiter raises, records, or puts on a deny verdict carries one of these stable codes; the message next',
    'to it says what was wrong and where (file:line:col, topic/partition@offset, or the config key). Codes keep their',
    'meaning once shipped. Look one up from a terminal with `arbiter errors CODE` (or paste the whole error line).',
    'HTTP is the status the code maps to where it is surfaced over HTTP; 200 marks codes that travel on a verdict.',
    '',
    'This file is generated from `processors/core/errors.ts` by `arbiter errors --markdown > docs/errors.md`; a unit',
    'test fails when it is out of date.',
    '',
  ];
  for (const { group, codes } of groupedCodes()) {
    lines.push(`## ${group.title}`, '', `See ${group.see}.`, '', '| code | HTTP | meaning |', '|---|---|---|');
    for (const code of codes) lines.push(`| \`${code}\` | ${ERROR_CATALOGUE[code].http} | ${cell(ERROR_CATALOGUE[code].summary)} |`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
