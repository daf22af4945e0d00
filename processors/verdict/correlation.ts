// Request/reply correlation that survives an unreadable value: producers of proposals (the SDK) also put the
// proposal id and the reply address in headers, so a proposal that cannot be decoded (bad Avro, unknown schema
// id, oversized) still gets a deny verdict instead of leaving the agent waiting until its deadline.
import type { Headers, InRecord } from '../runtime/transport/transport.ts';

export const HEADER_PROPOSAL_ID = 'arbiter.proposal-id';
export const HEADER_REPLY_TOPIC = 'arbiter.reply-topic';
export const HEADER_REPLY_PARTITION = 'arbiter.reply-partition';

export interface ReplyAddress {
  readonly topic: string;
  readonly partition: number;
}

export interface Correlation {
  readonly proposalId: string;
  readonly sessionId: string;
  readonly replyTo: ReplyAddress;
}

/** Headers a proposal producer sets (the SDK's propose()). */
export function correlationHeaders(proposalId: string, replyTo: ReplyAddress): Headers {
  return {
    [HEADER_PROPOSAL_ID]: Buffer.from(proposalId),
    [HEADER_REPLY_TOPIC]: Buffer.from(replyTo.topic),
    [HEADER_REPLY_PARTITION]: Buffer.from(String(replyTo.partition)),
  };
}

/** The correlation of a record from its headers and key, or undefined when any part is missing. */
export function readCorrelation(record: InRecord): Correlation | undefined {
  const id = record.headers[HEADER_PROPOSAL_ID]?.toString('utf8');
  const topic = record.headers[HEADER_REPLY_TOPIC]?.toString('utf8');
  const partition = Number(record.headers[HEADER_REPLY_PARTITION]?.toString('utf8'));
  if (!id || !topic || !Number.isInteger(partition)) return undefined;
  return { proposalId: id, sessionId: record.key?.toString('utf8') ?? '', replyTo: { topic, partition } };
}

/** Codes of the deny the processor sends for a proposal it could not process (verdict-task #poison): nothing the
 *  proposal carried was folded, so the SDK keeps its unacknowledged results and trusted context for the next one.
 *  Every other verdict from the processor means they were folded. (decide() also uses EVALUATE_FAILED after folding:
 *  sending them again is harmless, results are skipped by sequence and trusted context is idempotent.) */
export const UNPROCESSED_PROPOSAL_CODES: ReadonlySet<string> = new Set(['ARB_VERDICT_UNDECODABLE', 'ARB_VERDICT_EVALUATE_FAILED', 'ARB_VERDICT_WRONG_PARTITION']);
