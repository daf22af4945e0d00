// Which ClickHouse releases the sink can run on, checked once at startup (applyMigrations calls it first).
// The schema, the insert path and the dashboards use features that arrived in different releases; the gate is the
// newest of them, so a server that passes supports all of them — async inserts included, which is why the HTTP path
// always inserts with async_insert=1. An older server is refused with ARB_CH_SERVER_UNSUPPORTED naming what it lacks,
// before any DDL runs. Each feature carries a statement that fails on a server without it: the integration test
// runs those against a real old server (deploy/local/clickhouse-server.sh) to keep this table honest.
import type { ClickHouseClient } from '@clickhouse/client';
import { ArbiterError } from '../../core/errors.ts';

export type ServerVersion = readonly [major: number, minor: number];

export interface ServerFeature {
  readonly name: string;
  /** First release with the feature (major.minor). */
  readonly since: ServerVersion;
  /** Where Arbiter relies on it. */
  readonly usedBy: string;
  /** A statement that succeeds only on a server with the feature (no side effects). */
  readonly probe: string;
}

export const SERVER_FEATURES: readonly ServerFeature[] = [
  { name: 'DateTime64 and now64()', since: [20, 1], usedBy: 'the time columns of every table (migrations 0001-0005)', probe: 'SELECT now64(3)' },
  { name: 'fromUnixTimestamp64Milli()', since: [20, 5], usedBy: 'the MATERIALIZED time columns', probe: 'SELECT fromUnixTimestamp64Milli(toInt64(0))' },
  { name: 'Map type', since: [21, 8], usedBy: 'decisions.args_minimised and facts_used, alerts.facts, pipeline_metrics.labels', probe: "SELECT CAST(([], []), 'Map(String, String)')" },
  { name: 'window functions (lagInFrame)', since: [21, 9], usedBy: 'the Pipeline health dashboard (counter increases)', probe: 'SELECT lagInFrame(number) OVER (ORDER BY number) FROM numbers(2)' },
  { name: 'async_insert with wait_for_async_insert', since: [21, 11], usedBy: 'every sink insert over HTTP', probe: 'SELECT 1 SETTINGS async_insert = 1, wait_for_async_insert = 1' },
  { name: 'insert_deduplication_token', since: [22, 2], usedBy: 'idempotent redelivery of a sink batch', probe: "SELECT 1 SETTINGS insert_deduplication_token = 'probe'" },
];

/** The oldest release the sink accepts: the first long-term-support release with every feature above. */
export const MIN_SERVER_VERSION: ServerVersion = [22, 3];

/** "18.16.1", "24.8.4.13", "26.7.2.1 (official build)" → [major, minor]; undefined when it is not a version. */
export function parseServerVersion(text: string): ServerVersion | undefined {
  const m = /^\s*(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function atLeast(v: ServerVersion, min: ServerVersion): boolean {
  return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

/** Features a server of this release lacks, in the table's order (oldest first). */
export function missingFeatures(v: ServerVersion): ServerFeature[] {
  return SERVER_FEATURES.filter((f) => !atLeast(v, f.since));
}

export interface ServerInfo {
  /** version() as the server reports it. */
  readonly version: string;
}

/** Asks the server (or chDB) for its release and refuses one below MIN_SERVER_VERSION. */
export async function requireSupportedServer(client: ClickHouseClient): Promise<ServerInfo> {
  const rs = await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
  const [row] = await rs.json<{ v: string }>();
  const version = row?.v ?? '';
  const parsed = parseServerVersion(version);
  const where = { key: 'CLICKHOUSE_URL' };
  if (parsed === undefined) {
    throw new ArbiterError('ARB_CH_SERVER_UNSUPPORTED', `the server reported version() = "${version}", not a ClickHouse release number`, where);
  }
  if (!atLeast(parsed, MIN_SERVER_VERSION)) {
    const lacks = missingFeatures(parsed).map((f) => `${f.name} (${f.since.join('.')}, for ${f.usedBy})`);
    throw new ArbiterError('ARB_CH_SERVER_UNSUPPORTED',
      `ClickHouse ${version} is older than ${MIN_SERVER_VERSION.join('.')}, the minimum Arbiter supports; it lacks ${lacks.length > 0 ? lacks.join('; ') : 'features of the newer releases'}. Upgrade the server or leave CLICKHOUSE_URL unset to use chDB`, where);
  }
  return { version };
}
