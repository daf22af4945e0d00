#!/usr/bin/env node
// The `arbiter` command. Each subcommand lives in processors/cli/<name>.ts and exports
// `main(argv): Promise<number>` (the exit code). Adding a subcommand is one entry in COMMANDS.
// A subcommand that throws is reported here as one line with its stable code (processors/cli/failure.ts), on stderr.
import { failureExitCode, failureText } from '../cli/failure.ts';

type Command = { main(argv: readonly string[]): Promise<number> };

const COMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<Command> }>> = {
  approvals: { summary: 'list pending approvals; approve or deny one (Kafka)', load: () => import('../cli/approvals.ts') },
  errors: { summary: 'what an ARB_ error code means and where to read more', load: () => import('../cli/errors.ts') },
  eval: { summary: 'score a policy on the labelled AgentDojo trajectories (in process, or --kafka through the pipeline)', load: () => import('../cli/eval.ts') },
  policy: { summary: 'check, test, explain, bench, sign and publish policy bundles; keygen', load: () => import('../cli/policy.ts') },
  replay: { summary: 'what a candidate policy (or enforcing an observe/warn rule) would change on the recorded sessions', load: () => import('../cli/replay.ts') },
  verify: { summary: 'check the decisions hash chain stored in ClickHouse or chDB', load: () => import('../cli/verify.ts') },
};

export const USAGE = [
  'usage: arbiter <command> [args]      (arbiter <command> --help for its options)',
  'commands:',
  ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
  'endpoints come from KAFKA_BROKERS and SCHEMA_REGISTRY_URL (else .run/stack.env); see docs/configuration.md',
].join('\n');

async function run(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0] !== undefined) return run([rest[0], '--help']);
    (name === undefined ? process.stderr : process.stdout).write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    process.stderr.write(`ARB_CLI_USAGE: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  try {
    return await (await command.load()).main(rest);
  } catch (e) {
    process.stderr.write(`${failureText(e, name)}\n`);
    return failureExitCode(e);
  }
}

// `arbiter ... | head` closes the pipe early: that is the reader's choice, not a failure worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});
process.exitCode = await run(process.argv.slice(2));
