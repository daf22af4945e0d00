// Versioned DDL migrations (deploy/clickhouse/migrations/NNNN_name.sql), applied on start, idempotent.
// Files are templates so one set serves a single node and a cluster:
//   {{local:T}}          table T (single) | T_local (cluster: the shard-local table)
//   {{on_cluster}}       '' | ON CLUSTER '<cluster>'
//   {{engine:E:T}}       E | ReplicatedE('/clickhouse/tables/{shard}/<db>/T', '{replica}')
//   {{distributed:T:K}}  '' | CREATE TABLE T ON CLUSTER … AS T_local ENGINE = Distributed(<cluster>, <db>, T_local, K)
//   {{ttl_days:T}}       the configured retention of T in days
// schema_migrations records version, name and the checksum of the template; editing an applied file is an error.
// Every statement uses IF NOT EXISTS, so two instances starting at once converge.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { ArbiterError } from '../../core/errors.ts';
import { requireSupportedServer } from './server-version.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../deploy/clickhouse/migrations/', import.meta.url));

/** Tables with a retention TTL and their defaults in days. */
export const DEFAULT_TTL_DAYS = {
  decisions: 400,
  session_summaries: 400,
  alerts: 400,
  approval_events: 400,
  pipeline_metrics: 30,
} as const;
export type TtlTable = keyof typeof DEFAULT_TTL_DAYS;

export interface SchemaOptions {
  /** Cluster name for Replicated/Distributed variants; undefined = single node. */
  readonly cluster?: string;
  /** Database the tables live in (used in replication paths and Distributed engines). */
  readonly database: string;
  readonly ttlDays: Readonly<Record<TtlTable, number>>;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly template: string;
  readonly checksum: string;
}

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const template = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.slice(5, -4),
        template,
        checksum: createHash('sha256').update(template).digest('hex'),
      };
    });
}

/** Expands the placeholders; unknown placeholders and unknown TTL tables are errors naming the file. */
export function renderMigration(m: Pick<Migration, 'name' | 'template'>, o: SchemaOptions): string {
  const where = { file: `deploy/clickhouse/migrations/${m.name}` };
  const c = o.cluster;
  const onCluster = c ? `ON CLUSTER '${c}'` : '';
  return m.template.replace(/\{\{([a-z_]+)(?::([^:}]+))?(?::([^}]+))?\}\}/g, (all, kind: string, a?: string, b?: string) => {
    switch (kind) {
      case 'on_cluster':
        return onCluster;
      case 'local':
        return c ? `${a}_local` : `${a}`;
      case 'engine':
        return c ? `Replicated${a}('/clickhouse/tables/{shard}/${o.database}/${b}', '{replica}')` : `${a}`;
      case 'distributed':
        return c
          ? `CREATE TABLE IF NOT EXISTS ${a} ${onCluster} AS ${a}_local ENGINE = Distributed('${c}', '${o.database}', '${a}_local', ${b});`
          : '';
      case 'ttl_days': {
        const days = o.ttlDays[a as TtlTable];
        if (days === undefined) throw new ArbiterError('ARB_CH_MIGRATION_FAILED', `no TTL configured for table "${a}" in ${all}`, where);
        return String(days);
      }
      default:
        throw new ArbiterError('ARB_CH_MIGRATION_FAILED', `unknown placeholder ${all}`, where);
    }
  });
}

/** Statements of a rendered file: `--` comment lines dropped, split at a `;` that ends a line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function migrationsTableDdl(o: SchemaOptions): string {
  const engine = o.cluster
    ? `ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/${o.database}/schema_migrations', '{replica}')`
    : 'ReplacingMergeTree';
  return `CREATE TABLE IF NOT EXISTS schema_migrations ${o.cluster ? `ON CLUSTER '${o.cluster}'` : ''}
    (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
    ENGINE = ${engine} ORDER BY version`;
}

export interface MigrationReport {
  readonly applied: readonly number[];
  readonly alreadyApplied: readonly number[];
  /** version() of the server (or chDB) the schema was applied to. */
  readonly serverVersion: string;
}

/** Checks the server's release (ARB_CH_SERVER_UNSUPPORTED before any DDL when too old), applies pending migrations
 *  in version order, then sets the configured TTLs (retention changes need no migration). */
export async function applyMigrations(
  client: ClickHouseClient,
  options: SchemaOptions,
  migrations: readonly Migration[] = loadMigrations(),
): Promise<MigrationReport> {
  const server = await requireSupportedServer(client);
  await client.command({ query: migrationsTableDdl(options) });
  const rs = await client.query({ query: 'SELECT version, checksum FROM schema_migrations FINAL', format: 'JSONEachRow' });
  const done = new Map((await rs.json<{ version: number; checksum: string }>()).map((r) => [Number(r.version), r.checksum]));
  const applied: number[] = [];
  const alreadyApplied: number[] = [];
  for (const m of migrations) {
    const where = { file: `deploy/clickhouse/migrations/${String(m.version).padStart(4, '0')}_${m.name}.sql` };
    const previous = done.get(m.version);
    if (previous !== undefined) {
      if (previous !== m.checksum) {
        throw new ArbiterError('ARB_CH_MIGRATION_CHANGED', `migration ${m.version} was applied with checksum ${previous}, the file now has ${m.checksum}; add a new migration instead of editing`, where);
      }
      alreadyApplied.push(m.version);
      continue;
    }
    for (const statement of splitStatements(renderMigration(m, options))) {
      try {
        await client.command({ query: statement });
      } catch (e) {
        throw new ArbiterError('ARB_CH_MIGRATION_FAILED', `${(e as Error).message}\n  in statement: ${statement.slice(0, 200)}`, where);
      }
    }
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    });
    applied.push(m.version);
  }
  await applyTtls(client, options);
  return { applied, alreadyApplied, serverVersion: server.version };
}

const TTL_COLUMN: Readonly<Record<TtlTable, string>> = {
  decisions: 'toDateTime(decided_at)',
  session_summaries: 'toDateTime(last_at)',
  alerts: 'toDateTime(raised_at)',
  approval_events: 'toDateTime(at)',
  pipeline_metrics: 'toDateTime(at)',
};

/** MODIFY TTL without rewriting existing parts (materialize_ttl_after_modify = 0); old parts expire on merge. */
async function applyTtls(client: ClickHouseClient, o: SchemaOptions): Promise<void> {
  for (const table of Object.keys(TTL_COLUMN) as TtlTable[]) {
    const local = o.cluster ? `${table}_local` : table;
    await client.command({
      query: `ALTER TABLE ${local} ${o.cluster ? `ON CLUSTER '${o.cluster}'` : ''} MODIFY TTL ${TTL_COLUMN[table]} + INTERVAL ${o.ttlDays[table]} DAY`,
      clickhouse_settings: { materialize_ttl_after_modify: 0 },
    });
  }
}
