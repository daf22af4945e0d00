// The promise TransportConsumer.run() returns: resolves on close(), rejects with the consumer's fatal error.
import { ArbiterError } from '../../core/errors.ts';

export class RunUntilClosed {
  readonly promise: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: unknown) => void;
  #settled = false;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  closed(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve();
  }

  failed(groupId: string, cause: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const error = new ArbiterError('ARB_TRANSPORT_CONSUMER_FAILED', `consumer of group ${groupId} stopped: ${reason}`, { key: groupId });
    this.#reject(Object.assign(error, { cause }));
  }
}
