#!/usr/bin/env node
// The `arbiter` command. Each subcommand lives in processors/cli/<name>.ts and exports
// `main(argv): Promise<number>` (the exit code). Adding a subcommand is one line in COMMANDS.

type Command = { main(argv: readonly string[]): Promise<number> };

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  approvals: () => import('../cli/approvals.ts'),
  eval: () => import('../cli/eval.ts'),
  policy: () => import('../cli/policy.ts'),
  verify: () => import('../cli/verify.ts'),
};

const USAGE = `usage: arbiter <command> [args]\ncommands: ${Object.keys(COMMANDS).sort().join(', ')}`;

async function run(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    process.stderr.write(`arbiter: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  return (await load()).main(rest);
}

process.exitCode = await run(process.argv.slice(2));
