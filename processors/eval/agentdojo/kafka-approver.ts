// The evaluation's human approver on the real approvals path: it tails the approvals topic into the ledger (as the
// approvals service and `arbiter approvals` do) and answers each ApprovalRequested the way the in-process scorer
// assumes a reviewer would: approve benign calls, reject attack calls (steps.ts: ReplayStep.approve). The driver
// tells it the answer per proposal id when the escalated verdict reaches the agent; the request may be read before
// or after that, so whichever comes second triggers the resolution.
import type { LedgerEntry } from '../../approvals/ledger.ts';
import { answerFor } from '../../approvals/resolutions.ts';
import { tailLedger, writeResolution } from '../../approvals/topic-ledger.ts';
import type { TopicSerde } from '../../runtime/serde/topic-serde.ts';
import type { TopicMap } from '../../runtime/topics.ts';
import type { KafkaTransport, TransportProducer } from '../../runtime/transport/transport.ts';
import type { TopicTail } from '../../sdk/topic-tail.ts';

export const EVAL_APPROVER = 'agentdojo-eval-approver';

export interface ApproverOptions {
  readonly transport: KafkaTransport;
  readonly serde: TopicSerde;
  readonly topics: TopicMap;
  readonly producer: TransportProducer;
  readonly groupPrefix: string;
  /** A resolution failed to be written (the agent's wait then times out and the difference is reported). */
  readonly onError: (proposalId: string, error: unknown) => void;
}

export class EvalApprover {
  readonly #o: ApproverOptions;
  readonly #requests = new Map<string, LedgerEntry>();
  readonly #answers = new Map<string, boolean>();
  #tail: TopicTail | undefined;
  /** Resolutions written, by answer. */
  readonly stats = { approved: 0, rejected: 0 };

  private constructor(o: ApproverOptions) {
    this.#o = o;
  }

  static async start(o: ApproverOptions): Promise<EvalApprover> {
    const approver = new EvalApprover(o);
    const { tail } = await tailLedger({
      transport: o.transport, serde: o.serde, topics: o.topics, groupPrefix: o.groupPrefix,
      onApplied: (e) => {
        if (e !== undefined && e.resolution === undefined) approver.#requested(e);
      },
    });
    approver.#tail = tail;
    return approver;
  }

  /** How the reviewer answers the escalation of this proposal. */
  answer(proposalId: string, approve: boolean): void {
    this.#answers.set(proposalId, approve);
    this.#resolveIfReady(proposalId);
  }

  #requested(entry: LedgerEntry): void {
    this.#requests.set(entry.request.proposalId, entry);
    this.#resolveIfReady(entry.request.proposalId);
  }

  #resolveIfReady(proposalId: string): void {
    const entry = this.#requests.get(proposalId);
    const approve = this.#answers.get(proposalId);
    if (entry === undefined || approve === undefined) return;
    this.#requests.delete(proposalId);
    this.#answers.delete(proposalId);
    const resolution = answerFor(entry, approve ? 'approved' : 'rejected', EVAL_APPROVER,
      approve ? 'benign call in the labelled trajectory' : 'attack call in the labelled trajectory', Date.now());
    writeResolution(this.#o.producer, this.#o.serde, this.#o.topics, entry, resolution).then(
      () => void this.stats[approve ? 'approved' : 'rejected']++,
      (error: unknown) => this.#o.onError(proposalId, error),
    );
  }

  async close(): Promise<void> {
    await this.#tail?.close();
  }
}
