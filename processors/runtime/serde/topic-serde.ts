// Encode/decode topic values with the schema registry in Confluent wire format.
// Contract: registerAll() runs once at startup (registers every topic's current schema under `<topic>-value`,
// BACKWARD). encode() is synchronous. decode() parses each record exactly once; records written with the
// registered (current) schema take the fast path, older writers are resolved against the current reader
// (resolver fetched and built once per writer id). Every failure is an ArbiterError with a stable code and
// the record's topic/partition/offset: the record's own faults are dead-lettered by the task, a registry failure
// (after the client's retries) is transient and rethrown (runtime/stream/failure-kind.ts).
import type avro from 'avsc';
import avsc from 'avsc';
import { ArbiterError, type ErrorCode, type Location } from '../../core/errors.ts';
import { avroOptions, avroType, loadSchema, type SchemaName } from '../../../schemas/catalogue.ts';
import type * as W from '../../../schemas/generated/index.ts';
import type { TopicDef, TopicMap } from '../topics.ts';
import { valueSubject } from '../topics.ts';
import type { InRecord } from '../transport/transport.ts';
import type { SchemaRegistryClient } from './registry.ts';
import { HEADER_BYTES, unframe, writeHeader } from './wire-format.ts';

/** Schema name -> the generated type its values decode to. */
export interface WireTypes {
  ToolCallProposal: W.ToolCallProposal;
  ToolCallResult: W.ToolCallResult;
  Verdict: W.Verdict;
  DecisionRecord: W.DecisionRecord;
  ApprovalEvent: W.ApprovalEvent;
  PolicyBundleActivated: W.PolicyBundleActivated;
  TrajectoryAlert: W.TrajectoryAlert;
  SessionStateSnapshot: W.SessionStateSnapshot;
  DeadLetter: W.DeadLetter;
}

/** Why a writer schema id cannot be decoded (cached per id). */
interface Refusal {
  readonly refused: ErrorCode;
  readonly text: string;
}

export interface SerdeOptions {
  /** Values larger than this are refused before parsing (ARB_SERDE_OVERSIZED). */
  readonly maxValueBytes: number;
}

export const DEFAULT_SERDE_OPTIONS: SerdeOptions = { maxValueBytes: 1_048_576 };

/** Where values are encoded before being copied out: one exact-size copy per value (toBuffer() + frame() made two,
 *  the first zero-filled). Grows to the largest value seen. Synchronous use only. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** The Confluent-framed Avro encoding of `value` (wire-format.ts), written once into `scratch`. */
function framed(schemaId: number, type: avro.Type, value: unknown): Buffer {
  let end = type.encode(value, scratch, HEADER_BYTES);
  if (end < 0) {
    scratch = Buffer.allocUnsafe(2 * (scratch.length - end)); // encode() returns minus the bytes missing
    end = type.encode(value, scratch, HEADER_BYTES);
  }
  writeHeader(scratch, schemaId);
  const out = Buffer.allocUnsafe(end);
  scratch.copy(out, 0, 0, end);
  return out;
}

export function locationOf(record: InRecord): Location {
  return { topic: record.topic, partition: record.partition, offset: record.offset };
}

export class TopicSerde {
  readonly #registry: SchemaRegistryClient;
  readonly #topics: readonly TopicDef[];
  readonly #options: SerdeOptions;
  /** topic -> id of the current schema registered under its subject. */
  readonly #writerIds = new Map<string, number>();
  /** `${schemaName}/${writerId}` -> resolver from that writer to the current reader, or why there is none
   *  (cached too, so a flood of poison records does not query the registry per record). */
  readonly #resolvers = new Map<string, avro.Resolver | Refusal>();
  readonly #pending = new Map<string, Promise<avro.Resolver | Refusal>>();
  /** Schema name -> its current avsc Type (avroType() builds a version key per call). */
  readonly #types = new Map<SchemaName, avro.Type>();

  constructor(registry: SchemaRegistryClient, topics: TopicMap, options: SerdeOptions = DEFAULT_SERDE_OPTIONS) {
    this.#registry = registry;
    this.#topics = Object.values(topics);
    this.#options = options;
  }

  /** Registers each topic's current value schema; call once at startup before encode/decode. */
  async registerAll(): Promise<void> {
    for (const t of this.#topics) {
      this.#writerIds.set(t.topic, await this.#registry.register(valueSubject(t.topic), loadSchema(t.valueSchema)));
    }
  }

  writerId(topic: string): number {
    const id = this.#writerIds.get(topic);
    if (id === undefined) {
      throw new ArbiterError('ARB_CONFIG_INVALID', `topic ${topic} has no registered value schema (registerAll() not run, or not an Arbiter topic)`, { topic });
    }
    return id;
  }

  encode<N extends SchemaName>(topic: TopicDef<N>, value: WireTypes[N]): Buffer {
    const type = this.#type(topic.valueSchema);
    try {
      return framed(this.writerId(topic.topic), type, value);
    } catch (error) {
      if (error instanceof ArbiterError) throw error;
      const paths: string[] = [];
      type.isValid(value, { errorHook: (path) => paths.push(path.join('.') || '(root)') });
      throw new ArbiterError('ARB_SERDE_ENCODE_FAILED',
        `${topic.valueSchema} value does not match its schema at ${paths.join(', ') || '?'}: ${(error as Error).message}`, { topic: topic.topic });
    }
  }

  /** Decodes one record's value as the topic's schema. Throws ARB_SERDE_* with the record's location. */
  async decode<N extends SchemaName>(topic: TopicDef<N>, record: InRecord): Promise<WireTypes[N]> {
    const where = locationOf(record);
    const value = record.value;
    if (value === null) throw new ArbiterError('ARB_SERDE_DECODE_FAILED', 'null value (tombstone) where a record was expected', where);
    if (value.length > this.#options.maxValueBytes) {
      throw new ArbiterError('ARB_SERDE_OVERSIZED', `value is ${value.length} bytes, limit ${this.#options.maxValueBytes}`, where);
    }
    const { schemaId, body } = unframe(value, where);
    const reader = this.#type(topic.valueSchema);
    const resolver = schemaId === this.#writerIds.get(topic.topic) ? undefined : await this.#resolver(topic.valueSchema, schemaId, where);
    try {
      return reader.fromBuffer(body, resolver) as WireTypes[N];
    } catch (error) {
      throw new ArbiterError('ARB_SERDE_DECODE_FAILED',
        `not a valid ${topic.valueSchema} (schema id ${schemaId}): ${(error as Error).message}`, where);
    }
  }

  #type(name: SchemaName): avro.Type {
    let type = this.#types.get(name);
    if (type === undefined) this.#types.set(name, (type = avroType(name)));
    return type;
  }

  async #resolver(name: SchemaName, schemaId: number, where: Location): Promise<avro.Resolver> {
    const key = `${name}/${schemaId}`;
    let outcome = this.#resolvers.get(key);
    if (outcome === undefined) {
      let pending = this.#pending.get(key);
      if (!pending) {
        pending = this.#buildResolver(name, schemaId).finally(() => this.#pending.delete(key));
        this.#pending.set(key, pending);
      }
      outcome = await pending;
    }
    if ('refused' in outcome) throw new ArbiterError(outcome.refused, outcome.text, where);
    return outcome;
  }

  /** Registry outages throw (not cached: retrying later may succeed); unknown or unreadable ids are cached. */
  async #buildResolver(name: SchemaName, schemaId: number): Promise<avro.Resolver | Refusal> {
    const text = await this.#registry.schemaById(schemaId);
    let outcome: avro.Resolver | Refusal;
    if (text === undefined) {
      outcome = { refused: 'ARB_SERDE_UNKNOWN_SCHEMA_ID', text: `schema id ${schemaId} is not in the registry` };
    } else {
      try {
        outcome = avroType(name).createResolver(avsc.Type.forSchema(JSON.parse(text) as avro.Schema, avroOptions()));
      } catch (error) {
        outcome = { refused: 'ARB_SERDE_DECODE_FAILED', text: `schema id ${schemaId} cannot be read as ${name}: ${(error as Error).message}` };
      }
    }
    this.#resolvers.set(`${name}/${schemaId}`, outcome);
    return outcome;
  }
}
