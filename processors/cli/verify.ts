// `arbiter verify`: checks the decisions hash chain stored in ClickHouse and names every broken link
// (partition, chain seq, decision id, what is wrong). Exit code 0 = intact, 1 = broken, 2 = usage/config error.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ClickHouseClient } from '@clickhouse/client';
import { ArbiterError } from '../core/errors.ts';
import type { ClickHouseConfig } from '../core/config.ts';
import { createClickHouse } from '../runtime/clickhouse-client.ts';
import { verifyChain, type VerifyReport } from '../sinks/clickhouse/verify-chain.ts';
import { failureExitCode, failureText, usageError } from './failure.ts';

export const VERIFY_USAGE = `usage: arbiter verify [--chdb PATH | --url URL] [--table decisions] [--partition N]... [--allow-expired-prefix] [--json]
  --chdb PATH              chDB data path (default: $CHDB_PATH)
  --url URL                ClickHouse HTTP URL (default: $CLICKHOUSE_URL; wins over --chdb)
  --table NAME             decisions table (default: decisions)
  --partition N            only this chain partition (repeatable)
  --allow-expired-prefix   start each chain at its oldest stored row (rows past the TTL are gone legitimately)
  --json                   print the report as JSON`;

export function targetFrom(values: { chdb?: string | undefined; url?: string | undefined }, env: NodeJS.ProcessEnv): ClickHouseConfig {
  const url = values.url ?? env['CLICKHOUSE_URL'];
  if (url) {
    if (!/^https?:\/\//.test(url)) {
      throw new ArbiterError('ARB_CONFIG_INVALID', `${redactUrl(url)} is not an http(s) URL of a ClickHouse server`, { key: values.url ? '--url' : 'CLICKHOUSE_URL' });
    }
    return { kind: 'http', url, username: env['CLICKHOUSE_USER'] ?? 'default', password: env['CLICKHOUSE_PASSWORD'] ?? '', database: env['CLICKHOUSE_DATABASE'] ?? 'default' };
  }
  const path = values.chdb ?? env['CHDB_PATH'];
  if (!path) throw new ArbiterError('ARB_CONFIG_INVALID', 'no ClickHouse given: pass --url or --chdb, or set CLICKHOUSE_URL or CHDB_PATH', { key: '--chdb' });
  return { kind: 'chdb', path };
}

/** Refuses a ClickHouse without the decisions table, naming where it looked. */
async function requireTable(client: ClickHouseClient, table: string, target: ClickHouseConfig): Promise<void> {
  const rs = await client.query({
    query: 'SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {table:String}',
    query_params: { table }, format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ n: string | number }>();
  if (Number(row?.n ?? 0) === 0) {
    const where = target.kind === 'chdb' ? `chDB at ${target.path}` : `ClickHouse ${redactUrl(target.url)} database ${target.database}`;
    throw new ArbiterError('ARB_VERIFY_NO_TABLE', `no table ${table} in ${where}: nothing was sunk there (check the path or URL, or --table)`);
  }
}

/** A URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable URL>';
  }
}

export function formatReport(r: VerifyReport): string {
  const lines = r.partitions.map((p) => `partition ${p.partition}: ${p.rows} rows, seq ${p.firstSeq}..${p.headSeq}, head ${p.headHash.slice(0, 16)}`);
  for (const p of r.problems) lines.push(`${p.code} partition ${p.partition} seq ${p.seq} decision ${p.decisionId}: ${p.detail}`);
  const rows = r.partitions.reduce((n, p) => n + p.rows, 0);
  lines.push(r.ok ? `OK: every chain is intact (${rows} rows in ${r.partitions.length} partition(s))` : `BROKEN: ${r.problems.length} problem(s)`);
  return lines.join('\n');
}

export async function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        chdb: { type: 'string' }, url: { type: 'string' }, table: { type: 'string' }, partition: { type: 'string', multiple: true },
        'allow-expired-prefix': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw usageError(`arbiter verify: ${(e as Error).message}\n${VERIFY_USAGE}`);
  }
  if (values.help) {
    out(VERIFY_USAGE);
    return 0;
  }
  const partitions = values.partition?.map(Number);
  if (partitions?.some((p) => !Number.isInteger(p) || p < 0)) {
    throw usageError(`arbiter verify: --partition takes a non-negative integer, got ${values.partition?.join(', ')}`);
  }
  const target = targetFrom(values, process.env);
  // chDB would create an empty database at a mistyped path and report it intact.
  if (target.kind === 'chdb' && !existsSync(target.path)) {
    throw new ArbiterError('ARB_CLI_INPUT_UNREADABLE', `no chDB data at ${target.path} (the demo's is .run/demo/chdb)`, { key: values.chdb ? '--chdb' : 'CHDB_PATH' });
  }
  const table = values.table ?? 'decisions';
  const client = createClickHouse(target);
  try {
    await requireTable(client, table, target);
    const report = await verifyChain(client, {
      table,
      ...(partitions ? { partitions } : {}),
      allowExpiredPrefix: values['allow-expired-prefix'] ?? false,
    });
    out(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof ArbiterError || target.kind !== 'http') throw e;
    throw new ArbiterError('ARB_STACK_UNAVAILABLE', `ClickHouse at ${redactUrl(target.url)} did not answer: ${(e as Error).message}`, { key: values.url ? '--url' : 'CLICKHOUSE_URL' });
  } finally {
    await client.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${failureText(e, 'verify')}\n`);
    return failureExitCode(e);
  });
}
