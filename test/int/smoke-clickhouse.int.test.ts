// Smoke: createClickHouse gives a working @clickhouse/client on chDB (always) and on the ClickHouse server named by
// CLICKHOUSE_URL (when the harness was given one): DDL, insert, parameterised query. And chDB does not block the
// event loop while it runs a query.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseConfig } from '../../processors/core/config.ts';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';

const stack = inject('arbiterStack');
const dir = mkdtempSync(join(tmpdir(), 'arbiter-smoke-ch-'));
const targets: ClickHouseConfig[] = [{ kind: 'chdb', path: join(dir, 'chdb') }];
if (stack.clickhouse.kind === 'http') targets.push(stack.clickhouse);

const clients = new Map<string, ClickHouseClient>();
function client(target: ClickHouseConfig): ClickHouseClient {
  let c = clients.get(target.kind);
  if (c === undefined) {
    c = createClickHouse(target);
    clients.set(target.kind, c);
  }
  return c;
}

afterAll(async () => {
  for (const c of clients.values()) await c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(targets.map((t) => [t.kind, t] as const))('ClickHouse through createClickHouse (%s)', (_kind, target) => {
  const table = `smoke_${Date.now()}`;

  it('creates a table, inserts rows and reads them back with bound parameters', async () => {
    const ch = client(target);
    await ch.command({ query: `CREATE TABLE ${table} (id UInt32, agent String, score Float64) ENGINE = MergeTree ORDER BY id` });
    const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i, agent: `agent-${i % 7}`, score: i / 4 }));
    await ch.insert({ table, values: rows, format: 'JSONEachRow' });

    const totals = await ch.query({ query: `SELECT count() AS n, sum(score) AS s FROM ${table}`, format: 'JSONEachRow' });
    // UInt64 comes back as a string on both backends (the factory aligns chDB with the server).
    expect(await totals.json()).toEqual([{ n: '1000', s: rows.reduce((a, r) => a + r.score, 0) }]);

    const picked = await ch.query({
      query: `SELECT id, agent FROM ${table} WHERE agent = {agent:String} AND id < {below:UInt32} ORDER BY id`,
      query_params: { agent: 'agent-3', below: 30 },
      format: 'JSONEachRow',
    });
    expect(await picked.json()).toEqual([3, 10, 17, 24].map((id) => ({ id, agent: 'agent-3' })));
    await ch.command({ query: `DROP TABLE ${table}` });
  });
});

describe('chDB and the event loop', () => {
  it('keeps the event loop turning while a query runs', async () => {
    const ch = client(targets[0] as ClickHouseConfig);
    let last = performance.now();
    let maxGap = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    // sleepEachRow holds the query for 5 x 100 ms inside the engine: if the call ran on the event loop's thread,
    // the timer would see a single gap of about the query's whole duration.
    const rs = await ch.query({ query: 'SELECT count() AS n FROM numbers(5) WHERE sleepEachRow(0.1) = 0', format: 'JSONEachRow' });
    const took = performance.now() - started;
    clearInterval(tick);
    expect(await rs.json()).toEqual([{ n: '5' }]);
    expect(took).toBeGreaterThanOrEqual(490);
    expect(maxGap).toBeLessThan(took / 2);
  });
});
