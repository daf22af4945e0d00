// The approvals ledger: a pure fold over the approvals topic (ApprovalRequested / ApprovalResolved). The service,
// the CLI and the SDK all read approvals through it, so they agree on one rule set:
//   - an approval is scoped to one proposal: a resolution counts only when its proposal id and arguments hash equal
//     the request's (approving one refund never approves the next, or a different recipient);
//   - single use: the first accepted resolution on the topic wins; later ones are refused (already resolved);
//   - expiry: a human answer produced after expiresAtMs is refused; only the on_timeout resolution may follow it.
// Order on the topic is the truth (all events of a session share its partition), so concurrent writers agree.
import type { ErrorCode } from '../core/errors.ts';
import type { ApprovalEvent } from '../../schemas/generated/ApprovalEvent.ts';
import type { ApprovalRequested } from '../../schemas/generated/ApprovalRequested.ts';
import type { ApprovalResolved } from '../../schemas/generated/ApprovalResolved.ts';

export type { ApprovalRequested, ApprovalResolved };

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';

export interface LedgerEntry {
  readonly request: ApprovalRequested;
  /** The approvals-topic partition the request was read from (resolutions go to the same one), -1 when unknown. */
  readonly partition: number;
  /** The accepted resolution, absent while pending. */
  readonly resolution?: ApprovalResolved;
}

/** Why a resolution is not accepted; the codes are in processors/core/errors.ts. */
export interface Refusal {
  readonly code: Extract<ErrorCode, `ARB_APPROVAL_${string}`>;
  readonly message: string;
}

/** Whether `resolution` may resolve the entry (undefined = accepted). Pure. */
export function refusalOf(entry: LedgerEntry | undefined, resolution: ApprovalResolved): Refusal | undefined {
  const id = resolution.approvalId;
  if (entry === undefined) return { code: 'ARB_APPROVAL_UNKNOWN', message: `approval ${id} was never requested` };
  const req = entry.request;
  if (entry.resolution?.resolution === 'expired' && resolution.resolution !== 'expired') {
    return { code: 'ARB_APPROVAL_EXPIRED',
      message: `approval ${id} expired at ${new Date(req.expiresAtMs).toISOString()} and on_timeout (${req.onTimeout}) was applied; a late answer is refused` };
  }
  if (entry.resolution !== undefined) {
    return { code: 'ARB_APPROVAL_ALREADY_RESOLVED', message: `approval ${id} was already ${entry.resolution.resolution} by ${entry.resolution.resolvedBy} (single use)` };
  }
  if (resolution.proposalId !== req.proposalId || resolution.argsHash !== req.argsHash) {
    return { code: 'ARB_APPROVAL_SCOPE_MISMATCH',
      message: `approval ${id} covers proposal ${req.proposalId} with arguments ${req.argsHash}, not proposal ${resolution.proposalId} with ${resolution.argsHash}` };
  }
  if (resolution.resolution !== 'expired' && resolution.resolvedAtMs > req.expiresAtMs) {
    return { code: 'ARB_APPROVAL_EXPIRED',
      message: `approval ${id} expired at ${new Date(req.expiresAtMs).toISOString()}; an answer at ${new Date(resolution.resolvedAtMs).toISOString()} is too late (on_timeout: ${req.onTimeout})` };
  }
  if (resolution.resolution === 'expired' && resolution.resolvedAtMs < req.expiresAtMs) {
    return { code: 'ARB_APPROVAL_NOT_EXPIRED', message: `approval ${id} cannot expire before ${new Date(req.expiresAtMs).toISOString()}` };
  }
  return undefined;
}

/** What the agent may do once an approval is resolved: run the call, or not (on_timeout as the request set it). */
export function grants(entry: LedgerEntry): boolean {
  const r = entry.resolution;
  return r !== undefined && resolutionGrants({ resolution: r.resolution, onTimeout: entry.request.onTimeout });
}

/** Whether a resolution lets the call go ahead: approved, or expired with on_timeout allow. The verdict processor's
 *  session fold reads it from the resolution alone (ApprovalResolved v3 copies the request's on_timeout). */
export function resolutionGrants(r: Pick<ApprovalResolved, 'resolution' | 'onTimeout'>): boolean {
  return r.resolution === 'approved' || (r.resolution === 'expired' && r.onTimeout === 'allow');
}

export function statusOf(entry: LedgerEntry): ApprovalStatus {
  return entry.resolution?.resolution ?? 'pending';
}

/**
 * The fold. Mutable by design (the hot loop of the service and the CLI's replay), but each entry is replaced, never
 * edited, so entries handed out stay valid snapshots. `capacity` bounds memory: the oldest resolved entries go first.
 */
export class ApprovalLedger {
  readonly #entries = new Map<string, LedgerEntry>();
  readonly #capacity: number;
  /** Resolutions refused while folding, newest last (bounded), for logs and tests. */
  readonly refused: { readonly resolution: ApprovalResolved; readonly refusal: Refusal }[] = [];

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  /** Applies one event from the topic; returns the refusal when a resolution was not accepted. */
  apply(event: ApprovalEvent['event'], partition = -1): Refusal | undefined {
    if ('arbiter.v1.ApprovalRequested' in event) {
      const request = event['arbiter.v1.ApprovalRequested'];
      if (!this.#entries.has(request.approvalId)) this.#entries.set(request.approvalId, { request, partition });
      this.#trim();
      return undefined;
    }
    const resolution = event['arbiter.v1.ApprovalResolved'];
    const entry = this.#entries.get(resolution.approvalId);
    const refusal = refusalOf(entry, resolution);
    if (refusal !== undefined || entry === undefined) {
      const r = refusal ?? { code: 'ARB_APPROVAL_UNKNOWN' as const, message: '' };
      this.refused.push({ resolution, refusal: r });
      if (this.refused.length > 1000) this.refused.shift();
      return r;
    }
    this.#entries.delete(resolution.approvalId); // re-insert: resolved entries age from their resolution
    this.#entries.set(resolution.approvalId, { ...entry, resolution });
    return undefined;
  }

  get(approvalId: string): LedgerEntry | undefined {
    return this.#entries.get(approvalId);
  }

  /** Pending requests, oldest first. */
  pending(): LedgerEntry[] {
    return [...this.#entries.values()].filter((e) => e.resolution === undefined)
      .sort((a, b) => a.request.requestedAtMs - b.request.requestedAtMs);
  }

  /** Pending requests whose expiry is at or before nowMs. */
  due(nowMs: number): LedgerEntry[] {
    return this.pending().filter((e) => e.request.expiresAtMs <= nowMs);
  }

  get size(): number {
    return this.#entries.size;
  }

  #trim(): void {
    if (this.#entries.size <= this.#capacity) return;
    for (const [id, e] of this.#entries) {
      if (this.#entries.size <= this.#capacity) return;
      if (e.resolution !== undefined) this.#entries.delete(id);
    }
  }
}
