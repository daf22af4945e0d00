// The ClickHouse client the sink, verify and the dashboard tests use. chDB (embedded, one process per data path)
// by default; an HTTP ClickHouse server when a URL is given. Switch to processors/runtime/clickhouse-client.ts
// once it exists (same contract: a @clickhouse/client ClickHouseClient).
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

type ChdbCompatible = NonNullable<Parameters<typeof createClient>[0]>['connection'];

export type ClickHouseTarget =
  | { readonly kind: 'chdb'; readonly path: string }
  | { readonly kind: 'http'; readonly url: string; readonly username?: string; readonly password?: string; readonly database?: string };

export function openClickHouse(target: ClickHouseTarget): ClickHouseClient {
  if (target.kind === 'http') {
    return createClient({
      url: target.url,
      username: target.username ?? 'default',
      password: target.password ?? '',
      database: target.database ?? 'default',
    });
  }
  // chDB re-exports @clickhouse/client-common's Connection type, a structurally equal copy of the client's own;
  // the two settings unions differ only by version, hence the cast.
  const connection = createChdbConnection({ path: target.path }) as unknown as ChdbCompatible;
  return createClient({ connection });
}

/** Which backend a target is: the sink inserts with async_insert on a server, plainly on chDB. */
export function isServer(target: ClickHouseTarget): boolean {
  return target.kind === 'http';
}
