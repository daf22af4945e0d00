// A proposal's attachments (ToolCallProposal v2–v4), decoded: the results and approval resolutions it carries are full
// results- and approvals-topic values (Confluent wire format with their own schema id), so they are read exactly like
// records of those topics, older writers included. A failure throws ARB_SERDE_* located at the proposal record.
import type { ToolCallResult } from '../../core/types.ts';
import type { ToolCallProposal as WireProposal } from '../../../schemas/generated/ToolCallProposal.ts';
import type { ApprovalResolved } from '../../../schemas/generated/ApprovalResolved.ts';
import type { TrustedContext } from '../../../schemas/generated/TrustedContext.ts';
import type { TopicMap } from '../topics.ts';
import type { InRecord } from '../transport/transport.ts';
import { resultFromWire, resultOrderOf, type ResultOrder } from './records.ts';
import type { TopicSerde } from './topic-serde.ts';

export interface AttachedResult {
  readonly result: ToolCallResult;
  readonly order: ResultOrder | undefined;
}

export interface DecodedAttachments {
  readonly results: readonly AttachedResult[];
  readonly trusted: readonly TrustedContext[];
  /** The carried approval resolutions (ApprovalResolved events; any other approvals-topic event carried is dropped). */
  readonly resolutions: readonly ApprovalResolved[];
}

const NONE: DecodedAttachments = Object.freeze({ results: [], trusted: [], resolutions: [] });

export async function decodeAttachments(serde: TopicSerde, topics: TopicMap, proposal: InRecord, wire: WireProposal): Promise<DecodedAttachments> {
  if (wire.pendingResults.length === 0 && wire.trustedContext.length === 0 && wire.pendingResolutions.length === 0) return NONE;
  const results: AttachedResult[] = [];
  for (const value of wire.pendingResults) {
    const w = await serde.decode(topics.results, { ...proposal, value: Buffer.from(value) });
    results.push({ result: resultFromWire(w), order: resultOrderOf(w) });
  }
  const resolutions: ApprovalResolved[] = [];
  for (const value of wire.pendingResolutions) {
    const { event } = await serde.decode(topics.approvals, { ...proposal, value: Buffer.from(value) });
    if ('arbiter.v1.ApprovalResolved' in event) resolutions.push(event['arbiter.v1.ApprovalResolved']);
  }
  return { results, trusted: wire.trustedContext, resolutions };
}
