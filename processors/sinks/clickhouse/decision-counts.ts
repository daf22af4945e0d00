// How many decision rows are stored: physically (redelivered copies included until merged), distinct decision ids,
// and as readers see them (FINAL). physical > distinct only after redelivery; final must equal distinct.
import type { ClickHouseClient } from '@clickhouse/client';

export interface DecisionCounts {
  readonly physical: number;
  readonly distinct: number;
  readonly final: number;
}

export async function countDecisions(client: ClickHouseClient, table = 'decisions'): Promise<DecisionCounts> {
  const rs = await client.query({
    query: `SELECT (SELECT count() FROM ${table}) AS physical, (SELECT uniqExact(decision_id) FROM ${table}) AS distinct_ids,
            (SELECT count() FROM ${table} FINAL) AS final_rows`,
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{ physical: string | number; distinct_ids: string | number; final_rows: string | number }>();
  return { physical: Number(r?.physical ?? 0), distinct: Number(r?.distinct_ids ?? 0), final: Number(r?.final_rows ?? 0) };
}
