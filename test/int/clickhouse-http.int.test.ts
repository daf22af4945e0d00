// The sink's HTTP path against a real ClickHouse server over a real connection: the server deploy/local runs
// (deploy/local/clickhouse-server.sh, Debian's 18.16.1, the only server release the reachable registries carry).
// It is older than the 22.3 the sink needs, so what is proven here is the startup gate: the sink deployable refuses
// it with ARB_CH_SERVER_UNSUPPORTED before any DDL, and every feature the gate names as missing really fails on it
// (and works on chDB, the embedded engine the sink uses by default). See docs/decisions.md.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { applyMigrations } from '../../processors/sinks/clickhouse/migrations.ts';
import { DEFAULT_TTL_DAYS } from '../../processors/sinks/clickhouse/migrations.ts';
import { MIN_SERVER_VERSION, SERVER_FEATURES } from '../../processors/sinks/clickhouse/server-version.ts';
import { freePortPair } from '../setup/ports.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'deploy', 'local', 'clickhouse-server.sh');

let runDir: string;
let port: number;
let url: string;
let server: ClickHouseClient;
let chdb: ClickHouseClient;
let chdbDir: string;

const scriptEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ARBITER_RUN_DIR: runDir, CLICKHOUSE_HTTP_PORT: String(port) });

beforeAll(async () => {
  runDir = mkdtempSync(join(tmpdir(), 'arbiter-ch-server-'));
  port = await freePortPair(); // HTTP port and native port (+1)
  url = `http://127.0.0.1:${port}`;
  await run('bash', [SCRIPT, 'install'], { env: scriptEnv() });
  await run('bash', [SCRIPT, 'start'], { env: scriptEnv(), timeout: 150_000 });
  server = createClickHouse({ kind: 'http', url, username: 'default', password: '', database: 'default' });
  chdbDir = mkdtempSync(join(tmpdir(), 'arbiter-chdb-probe-'));
  chdb = createClickHouse({ kind: 'chdb', path: join(chdbDir, 'chdb') });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await chdb?.close();
  if (runDir) await run('bash', [SCRIPT, 'stop'], { env: scriptEnv(), timeout: 60_000 });
  if (runDir) rmSync(runDir, { recursive: true, force: true });
  if (chdbDir) rmSync(chdbDir, { recursive: true, force: true });
}, 90_000);

const tables = async (): Promise<string[]> => {
  const rs = await server.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase()', format: 'JSONEachRow' });
  return (await rs.json<{ name: string }>()).map((r) => r.name);
};

describe('ClickHouse server over HTTP (deploy/local/clickhouse-server.sh)', () => {
  it('answers the client over HTTP with its release', async () => {
    expect((await server.ping()).success).toBe(true);
    const rs = await server.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
    const [row] = await rs.json<{ v: string }>();
    expect(row?.v).toMatch(/^\d+\.\d+/);
  });

  it('applyMigrations refuses a server below the minimum, naming the release and what it lacks, before any DDL', async () => {
    const before = await tables();
    const error = await applyMigrations(server, { database: 'default', ttlDays: DEFAULT_TTL_DAYS }).then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(error?.code).toBe('ARB_CH_SERVER_UNSUPPORTED');
    expect(error?.message).toContain('ClickHouse 18.16.1 is older than 22.3');
    for (const f of SERVER_FEATURES) expect(error?.message).toContain(f.name);
    expect(await tables()).toEqual(before);
    expect(before).not.toContain('schema_migrations');
  });

  it('every feature the gate names as missing fails on this server and works on chDB', async () => {
    const rs = await server.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
    const [row] = await rs.json<{ v: string }>();
    expect(row?.v.startsWith('18.')).toBe(true); // the probes below are about this release
    for (const f of SERVER_FEATURES) {
      await expect(server.query({ query: f.probe }).then((r) => r.text()), `${f.name} on ${row?.v}`).rejects.toThrow();
      await expect(chdb.query({ query: f.probe }).then((r) => r.text()), `${f.name} on chDB`).resolves.toBeTypeOf('string');
    }
  });

  it('the sink deployable exits at startup with ARB_CH_SERVER_UNSUPPORTED when CLICKHOUSE_URL names this server', async () => {
    const node = process.execPath;
    const result = await run(node, [join(ROOT, 'processors', 'sinks', 'clickhouse', 'main.ts')], {
      cwd: runDir, // no .run/stack.env here: only the environment below counts
      env: { PATH: process.env['PATH'] ?? '', CLICKHOUSE_URL: url, KAFKA_BROKERS: 'localhost:1', SCHEMA_REGISTRY_URL: 'http://localhost:1' },
      timeout: 60_000,
    }).then(() => ({ code: 0, output: '' }), (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` }));
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('ARB_CH_SERVER_UNSUPPORTED');
    expect(result.output).toContain(`older than ${MIN_SERVER_VERSION.join('.')}`);
    expect(await tables()).not.toContain('decisions');
  }, 90_000);
});
