// Decodes only the fields the correlator reads (ProposalSeen / ResultSeen), not whole records: Avro resolution from
// the topic's current schema (the writer) to a reader schema of those fields, so the others are skipped, not built.
// A memory tool's arguments are decoded apart (args()), on the few proposals that need them.
// Fast path only: records written with the topic's current registered schema, of a sane size, that parse. For any
// other record the methods return undefined and the caller decodes it with TopicSerde.decode, which resolves older
// writers and throws the coded ARB_SERDE_* error with the record's location — one place for both.
import type avro from 'avsc';
import avsc from 'avsc';
import { avroOptions, avroType, loadSchema, type SchemaName } from '../../schemas/catalogue.ts';
import { DEFAULT_SERDE_OPTIONS, type TopicSerde, type WireTypes } from '../runtime/serde/topic-serde.ts';
import type { TopicDef, TopicMap } from '../runtime/topics.ts';
import type { InRecord } from '../runtime/transport/transport.ts';
import { HEADER_BYTES, MAGIC_BYTE } from '../runtime/serde/wire-format.ts';
import type { ProposalSeen, ResultSeen } from './correlate.ts';

const PROPOSAL_FIELDS = ['proposalId', 'sessionId', 'agentId', 'tenantId', 'tool', 'createdAtMs'] as const satisfies readonly (keyof ProposalSeen)[];
const RESULT_FIELDS = [
  'proposalId', 'sessionId', 'agentId', 'userId', 'tenantId', 'tool', 'outcome', 'recordsRead', 'untrustedSources', 'completedAtMs',
] as const satisfies readonly (keyof ResultSeen)[];

/** A reader type of `fields` of schema `name` and its resolver from the full current schema. Throws at startup when a
 *  kept field refers to a named type defined in a dropped one (the projection would not parse). */
interface Projection {
  readonly type: avro.Type;
  readonly resolver: avro.Resolver;
}

function projection(name: SchemaName, fields: readonly string[]): Projection {
  const full = loadSchema(name) as { fields: { name: string }[] };
  const type = avsc.Type.forSchema({ ...full, fields: full.fields.filter((f) => fields.includes(f.name)) } as avro.Schema, avroOptions());
  return { type, resolver: type.createResolver(avroType(name)) };
}

export class ProjectedDecoder {
  readonly #serde: TopicSerde;
  readonly #proposals: TopicDef<'ToolCallProposal'>;
  readonly #results: TopicDef<'ToolCallResult'>;
  readonly #proposal = projection('ToolCallProposal', PROPOSAL_FIELDS);
  readonly #args = projection('ToolCallProposal', ['args']);
  readonly #result = projection('ToolCallResult', RESULT_FIELDS);
  /** Writer ids of the fast path, read from the serde at first use. */
  #proposalWriter: number | undefined;
  #resultWriter: number | undefined;

  /** `serde` must have run registerAll() (its writer ids tell the fast path). */
  constructor(serde: TopicSerde, topics: TopicMap) {
    this.#serde = serde;
    this.#proposals = topics.proposals;
    this.#results = topics.results;
  }

  proposal(record: InRecord): ProposalSeen | undefined {
    this.#proposalWriter ??= this.#serde.writerId(this.#proposals.topic);
    return this.#read(this.#proposal, this.#proposalWriter, record) as ProposalSeen | undefined;
  }

  /** The wire arguments of a proposal (a memory tool's: they key the memory entry). */
  args(record: InRecord): WireTypes['ToolCallProposal']['args'] | undefined {
    this.#proposalWriter ??= this.#serde.writerId(this.#proposals.topic);
    return (this.#read(this.#args, this.#proposalWriter, record) as Pick<WireTypes['ToolCallProposal'], 'args'> | undefined)?.args;
  }

  result(record: InRecord): ResultSeen | undefined {
    this.#resultWriter ??= this.#serde.writerId(this.#results.topic);
    return this.#read(this.#result, this.#resultWriter, record) as ResultSeen | undefined;
  }

  #read(p: Projection, writerId: number, record: InRecord): unknown {
    const value = record.value;
    if (value === null || value.length < HEADER_BYTES || value.length > DEFAULT_SERDE_OPTIONS.maxValueBytes || value[0] !== MAGIC_BYTE) return undefined;
    if (value.readInt32BE(1) !== writerId) return undefined;
    try {
      return p.type.fromBuffer(value.subarray(HEADER_BYTES), p.resolver);
    } catch {
      return undefined; // the caller's full decode reports it with its code and location
    }
  }
}
