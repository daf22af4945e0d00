// Re-walks every partition's hash chain as stored in ClickHouse and names each broken link.
// Reads without FINAL, so it sees every physical copy: identical copies (a redelivered, not yet merged row) are
// fine; two different rows at one (partition, seq) are a conflict; a row whose content no longer hashes to its
// stored hash was altered; a row whose prevHash is not the previous row's hash follows an altered or replaced row;
// a missing seq is a deleted row. Limit: deleting the newest rows of a partition leaves no gap behind them;
// compare the reported head seq with the producer's (e.g. the decisions topic's offsets) to catch that.
import type { ClickHouseClient } from '@clickhouse/client';
import { checkLink, computeHash, genesisHead, headAfter, type ChainBreak, type ChainHead } from '../../core/chain.ts';
import type { DecisionRecord } from '../../core/types.ts';
import { DECISION_ROW_COLUMNS, fromDecisionRow, type DecisionRow } from './decision-row.ts';

export interface ChainProblem {
  readonly code: ChainBreak['code'] | 'ARB_CHAIN_CONFLICT';
  readonly partition: number;
  readonly seq: number;
  readonly decisionId: string;
  readonly detail: string;
}

export interface PartitionSummary {
  readonly partition: number;
  readonly rows: number;
  readonly firstSeq: number;
  readonly headSeq: number;
  readonly headHash: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly partitions: readonly PartitionSummary[];
  readonly problems: readonly ChainProblem[];
}

export interface VerifyOptions {
  readonly table?: string;
  /** Only these partitions (default: all present). */
  readonly partitions?: readonly number[];
  /** Rows per read; bounds memory. */
  readonly pageRows?: number;
  /** Start each chain at its first stored row instead of genesis (rows older than the TTL expired legitimately). */
  readonly allowExpiredPrefix?: boolean;
}

export async function verifyChain(client: ClickHouseClient, o: VerifyOptions = {}): Promise<VerifyReport> {
  const table = o.table ?? 'decisions';
  const page = o.pageRows ?? 50_000;
  const heads = await (await client.query({
    query: `SELECT chain_partition AS p, min(chain_seq) AS lo, max(chain_seq) AS hi FROM ${table} GROUP BY p ORDER BY p`,
    format: 'JSONEachRow',
  })).json<{ p: number | string; lo: number | string; hi: number | string }>();
  const wanted = o.partitions ? new Set(o.partitions) : undefined;
  const problems: ChainProblem[] = [];
  const partitions: PartitionSummary[] = [];
  for (const h of heads) {
    const partition = Number(h.p);
    if (wanted && !wanted.has(partition)) continue;
    const lo = Number(h.lo);
    const hi = Number(h.hi);
    let head: ChainHead = genesisHead(partition);
    let anchored = !o.allowExpiredPrefix;
    let rows = 0;
    let last: DecisionRecord | undefined;
    for (let from = o.allowExpiredPrefix ? lo : 0; from <= hi; from += page) {
      const rs = await client.query({
        query: `SELECT ${DECISION_ROW_COLUMNS.join(', ')} FROM ${table}
                WHERE chain_partition = {p:UInt32} AND chain_seq >= {from:UInt64} AND chain_seq < {to:UInt64}
                ORDER BY chain_seq, hash`,
        query_params: { p: partition, from, to: from + page },
        format: 'JSONEachRow',
      });
      for (const row of await rs.json<DecisionRow>()) {
        const record = fromDecisionRow(row);
        rows++;
        if (last && last.chainSeq === record.chainSeq) {
          // A second physical copy of the same position.
          if (record.hash !== last.hash) {
            problems.push({ code: 'ARB_CHAIN_CONFLICT', partition, seq: record.chainSeq, decisionId: record.decisionId,
              detail: `two different rows at seq ${record.chainSeq}: ${last.decisionId} (${last.hash}) and ${record.decisionId} (${record.hash})` });
          } else if (computeHash(record) !== record.hash) {
            problems.push({ code: 'ARB_CHAIN_HASH_MISMATCH', partition, seq: record.chainSeq, decisionId: record.decisionId,
              detail: `a copy of seq ${record.chainSeq} no longer hashes to ${record.hash}: the row was altered` });
          }
          continue;
        }
        if (!anchored) {
          head = { partition, nextSeq: record.chainSeq, lastHash: record.prevHash };
          anchored = true;
        }
        for (const b of checkLink(head, record)) problems.push({ ...b, partition });
        head = headAfter(record);
        last = record;
      }
    }
    partitions.push({ partition, rows, firstSeq: lo, headSeq: hi, headHash: last?.hash ?? '' });
  }
  return { ok: problems.length === 0, partitions, problems };
}
