// A secret value (a Kafka or registry password) that cannot leak by accident: printing, string interpolation,
// JSON.stringify and util.inspect all show "[redacted]"; only reveal() hands the value to the client that sends it.
const REDACTED = '[redacted]';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself: call it only where the value is handed to a client library, never to build a message. */
  reveal(): string {
    return this.#value;
  }

  /** Replaces every occurrence of the value in a text (a client library's error message) with "[redacted]". */
  scrub(text: string): string {
    return this.#value === '' ? text : text.split(this.#value).join(REDACTED);
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
