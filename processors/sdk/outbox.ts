// What one session handle has told Arbiter that no verdict has acknowledged yet: its results (each numbered in the
// handle's stream and encoded once, as produced to the results topic), declared trusted context, and rejections of
// its calls' approvals (as read from the approvals topic). Every proposal
// carries the outbox as it is when sent; the processor folds what a proposal carries before deciding (copies it
// already folded are skipped by sequence), so its verdict acknowledges exactly that and the outbox drops it.
// Bounded: beyond MAX_OUTBOX items the oldest go (their results-topic copy still counts, only the ordering
// guarantee is lost for them). Pure data structure, no I/O.
import { randomUUID } from 'node:crypto';
import type { ProposalAttachments, ResultOrder } from '../runtime/serde/records.ts';
import type { TrustedContext } from '../../schemas/generated/TrustedContext.ts';

export const MAX_OUTBOX = 64;

export class SessionOutbox {
  /** This handle's result stream: results are numbered 1, 2, 3, ... in it. */
  readonly stream: string;
  #seq = 0;
  #results: Buffer[] = [];
  #trusted: TrustedContext[] = [];
  #resolutions: Buffer[] = [];

  constructor(stream: string = randomUUID()) {
    this.stream = stream;
  }

  /** The order of the next result; call once per result, before encoding it. */
  nextOrder(): ResultOrder {
    return { stream: this.stream, seq: ++this.#seq };
  }

  /** Adds an encoded result (the exact value produced, or to be produced, to the results topic). */
  addResult(value: Buffer): void {
    this.#results = bounded([...this.#results, value]);
  }

  addTrusted(context: TrustedContext): void {
    this.#trusted = bounded([...this.#trusted, context]);
  }

  /** Adds an approval resolution that does not grant, exactly as read from the approvals topic. */
  addResolution(value: Buffer): void {
    this.#resolutions = bounded([...this.#resolutions, value]);
  }

  /** What the next proposal carries: a snapshot (later additions do not change it). */
  attachments(): ProposalAttachments {
    return { pendingResults: this.#results, trustedContext: this.#trusted, pendingResolutions: this.#resolutions };
  }

  /** The verdict of a proposal that carried `sent` arrived: the processor folded all of it. */
  acknowledge(sent: ProposalAttachments): void {
    if (sent.pendingResults.length > 0) this.#results = this.#results.filter((r) => !sent.pendingResults.includes(r));
    if (sent.trustedContext.length > 0) this.#trusted = this.#trusted.filter((t) => !sent.trustedContext.includes(t));
    if (sent.pendingResolutions.length > 0) this.#resolutions = this.#resolutions.filter((r) => !sent.pendingResolutions.includes(r));
  }

  get size(): number {
    return this.#results.length + this.#trusted.length + this.#resolutions.length;
  }
}

function bounded<T>(items: T[]): T[] {
  return items.length > MAX_OUTBOX ? items.slice(items.length - MAX_OUTBOX) : items;
}
