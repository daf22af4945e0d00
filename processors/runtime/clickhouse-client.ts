// The one factory for a @clickhouse/client ClickHouseClient. Same client API either way:
//   - chDB (default): ClickHouse embedded in this process through chdb's Connection for @clickhouse/client.
//     Its query/insert/exec run on chDB's async API (Session.queryAsync / queryBindAsync), so a query does not block
//     the event loop (test/int/smoke-clickhouse.int.test.ts measures this). chDB allows one data path per process.
//   - HTTP: a ClickHouse server at config.url.
// Contract: results look the same on both. chDB's default for output_format_json_quote_64bit_integers is 0 (64-bit
// integers as JSON numbers, losing precision past 2^53) while a server's is 1 (strings); the factory sets 1 on chDB.
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection, type ChdbExtension } from 'chdb/connection';
import type { ClickHouseConfig } from '../core/config.ts';

// chdb re-exports @clickhouse/client-common's Connection type, a structurally equal copy of the client's own; the two
// settings unions differ only by package version, hence the one cast below.
type ClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];

// The chDB session behind each client this factory made, for paths the client API cannot express (a binary
// insert body: the client hands chDB its body as a UTF-8 string).
const chdbSessions = new WeakMap<ClickHouseClient, ChdbExtension>();

export function createClickHouse(config: ClickHouseConfig): ClickHouseClient {
  if (config.kind === 'http') {
    return createClient({ url: config.url, username: config.username, password: config.password, database: config.database });
  }
  const chdb = createChdbConnection({ path: config.path });
  const client = createClient({ connection: chdb as unknown as ClientConnection, clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
  chdbSessions.set(client, chdb.chdb);
  return client;
}

/** The embedded chDB session of a client made by createClickHouse, or undefined for a server (HTTP) client. */
export function chdbSessionOf(client: ClickHouseClient): ChdbExtension | undefined {
  return chdbSessions.get(client);
}
