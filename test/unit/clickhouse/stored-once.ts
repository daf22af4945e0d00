// Shared end check of the crash tests (test/int/clickhouse*crash.int.test.ts): after repeated SIGKILLs and
// redelivery, every decision is stored exactly once — as readers see it (FINAL) and physically after a merge —
// and the children really did store some rows more than once (inserted > n), so redelivery was exercised.
import type { ClickHouseClient } from '@clickhouse/client';
import { expect } from 'vitest';
import { countDecisions } from '../../../processors/sinks/clickhouse/decision-counts.ts';

export async function expectStoredOnce(ch: ClickHouseClient, n: number, insertedByChildren: number): Promise<void> {
  const before = await countDecisions(ch);
  console.log(`physical rows before merge: ${before.physical} for ${before.distinct} decisions; rows inserted by all children: ${insertedByChildren}`);
  expect(before).toMatchObject({ distinct: n, final: n });
  // Physical copies may already be merged away in the background, so only the children's own count proves redelivery.
  expect(insertedByChildren).toBeGreaterThan(n);
  await ch.command({ query: 'OPTIMIZE TABLE decisions FINAL' });
  expect(await countDecisions(ch)).toEqual({ physical: n, distinct: n, final: n });
}
