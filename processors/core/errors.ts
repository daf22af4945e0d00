// The error catalogue: every error Arbiter raises or records has a stable code listed here.
// Codes never change meaning once shipped; add new ones, never reuse. Group prefix = the concern.
// A location (file:line:col, topic/partition/offset, config key) says where the problem is.

export interface ErrorInfo {
  readonly summary: string;
  /** HTTP status when surfaced through the API. */
  readonly http: number;
}

export const ERROR_CATALOGUE = {
  // config
  ARB_CONFIG_INVALID: { summary: 'a configuration value is missing or invalid', http: 500 },
  // bootstrap / local stack
  ARB_STACK_UNAVAILABLE: { summary: 'a required server (Kafka, registry, ClickHouse) could not be started or reached', http: 503 },
  // hash chain / arbiter verify (processors/core/chain.ts, processors/cli/verify.ts)
  ARB_CHAIN_HASH_MISMATCH: { summary: 'a decision row\'s content does not hash to its stored hash: the row was altered', http: 500 },
  ARB_CHAIN_PREV_MISMATCH: { summary: 'a decision row\'s prevHash does not match the previous row\'s hash: that row was altered or replaced', http: 500 },
  ARB_CHAIN_GAP: { summary: 'decision rows are missing from a partition\'s chain (chain seq gap)', http: 500 },
  ARB_CHAIN_CONFLICT: { summary: 'two different rows claim the same chain position (partition, seq)', http: 500 },
  // ClickHouse sink (processors/sinks/clickhouse)
  ARB_CH_MIGRATION_FAILED: { summary: 'a ClickHouse schema migration failed to apply', http: 500 },
  ARB_CH_MIGRATION_CHANGED: { summary: 'an applied ClickHouse migration file was edited afterwards (checksum differs)', http: 500 },
  ARB_CH_INSERT_FAILED: { summary: 'a batch insert into ClickHouse failed; offsets were not committed', http: 503 },
  ARB_CH_DECODE_FAILED: { summary: 'a record on a sink topic could not be decoded into a row', http: 500 },
  ARB_CH_SERVER_UNSUPPORTED: { summary: 'the ClickHouse server is older than the minimum release the schema, inserts and dashboards need', http: 503 },
  // policy: loading and compiling bundles (location = file:line:col)
  // evaluation (arbiter eval)
  ARB_EVAL_DATASET_MISSING: { summary: 'an evaluation data file cannot be read', http: 400 },
  ARB_EVAL_DATASET_INVALID: { summary: 'an evaluation data line lacks a field or has the wrong type', http: 400 },
  ARB_EVAL_POLICY_INVALID: { summary: 'an evaluation policy does not compile', http: 400 },
  ARB_POLICY_YAML: { summary: 'a policy file is not well-formed YAML', http: 400 },
  ARB_POLICY_TOO_LARGE: { summary: 'a policy source exceeds the size limit', http: 413 },
  ARB_POLICY_TOO_DEEP: { summary: 'a policy source nests deeper than the limit', http: 400 },
  ARB_POLICY_UNKNOWN_FIELD: { summary: 'a policy field is not part of the language', http: 400 },
  ARB_POLICY_TYPE: { summary: 'a policy value has the wrong type', http: 400 },
  ARB_POLICY_MISSING_FIELD: { summary: 'a required policy field is missing', http: 400 },
  ARB_POLICY_BAD_VALUE: { summary: 'a policy value is out of range or not one of the allowed values', http: 400 },
  ARB_POLICY_UNKNOWN_LIST: { summary: 'a rule refers to a named list that is not defined', http: 400 },
  ARB_POLICY_UNKNOWN_MACRO: { summary: 'a rule refers to a macro that is not defined', http: 400 },
  ARB_POLICY_MACRO_CYCLE: { summary: 'macros refer to each other in a cycle', http: 400 },
  ARB_POLICY_UNKNOWN_PATH: { summary: 'a condition reads a path (args., session., ...) the language does not define', http: 400 },
  ARB_POLICY_BAD_OPERATOR: { summary: 'a condition operator does not apply to the path it is used on', http: 400 },
  ARB_POLICY_REGEX: { summary: 'a pattern is refused by RE2 (linear-time regex; no backreferences or lookaround)', http: 400 },
  ARB_POLICY_DUPLICATE: { summary: 'a rule id, tool or list is defined twice in one source', http: 400 },
  ARB_POLICY_EFFECT_SPEC: { summary: 'an effect lacks its spec (modify without changes, escalate without approvers) or has one it cannot use', http: 400 },
  ARB_POLICY_UNSATISFIABLE: { summary: 'a rule can never match (warning)', http: 400 },
  ARB_POLICY_SHADOWED: { summary: 'a rule can never change a decision because an earlier rule always decides first (warning)', http: 400 },
  ARB_POLICY_CONFLICT: { summary: 'two rules with the same scope, tools and conditions have different effects (warning)', http: 400 },
  ARB_POLICY_NO_SUCH_TOOL: { summary: 'a rule or intent names a tool the bundle does not declare (warning)', http: 400 },
  ARB_POLICY_NO_SOURCES: { summary: 'compileBundle was given no policy sources', http: 400 },
  // policy: signing and activation
  ARB_POLICY_UNSIGNED: { summary: 'a bundle has no signature but signing is required', http: 400 },
  ARB_POLICY_BAD_SIGNATURE: { summary: 'a bundle signature does not verify against the trusted keys', http: 400 },
  ARB_POLICY_REVISION_MISMATCH: { summary: 'an activation event names a revision other than its bundle\'s content hash (PolicyBundle.revision)', http: 400 },
  ARB_POLICY_NO_BUNDLE: { summary: 'no policy bundle is active yet', http: 503 },
  // policy: evaluation (carried as Decision.errorCode)
  ARB_POLICY_UNKNOWN_TOOL: { summary: 'the proposed tool is not declared in the bundle; only wildcard rules and the default apply', http: 200 },
  ARB_POLICY_ARG_TYPE: { summary: 'a proposal argument has the wrong type for the tool declaration or a rule operator', http: 200 },
  // policy: golden test files
  ARB_POLICY_GOLDEN: { summary: 'a golden test file is malformed', http: 400 },
  // kafka transport (processors/runtime/transport)
  ARB_TRANSPORT_CLIENT_UNAVAILABLE: { summary: 'the configured Kafka client package is not installed or its native addon could not load', http: 503 },
  ARB_TRANSPORT_NOT_TRANSACTIONAL: { summary: 'a transaction was requested from a producer without a transactional id or from a client without transaction support', http: 500 },
  ARB_TRANSPORT_NO_GROUP_CONSUMER: { summary: 'offsets were sent in a transaction for a consumer group that has no running consumer in this transport', http: 500 },
  ARB_TRANSPORT_CONSUMER_FAILED: { summary: 'a Kafka consumer stopped with an error', http: 503 },
  ARB_ASSIGN_PARTITION_COUNTS_DIFFER: { summary: 'a co-partitioned consumer group subscribes topics whose partition counts differ, so a partition number cannot go to one member; the group refuses to assign', http: 500 },
  ARB_ASSIGN_SUBSCRIPTIONS_DIFFER: { summary: 'members of a co-partitioned consumer group subscribe different topic lists (two versions in one group?); the group refuses to assign', http: 500 },
  ARB_ASSIGN_NOT_COPARTITIONED: { summary: 'a co-partitioned consumer was given an assignment in which its topics hold different partition numbers; it stops rather than split a key\'s state', http: 500 },
  ARB_TRANSPORT_PARTITION_REVOKED: { summary: 'offsets were sent in a transaction for a partition this member no longer owns (the group rebalanced): the transaction is aborted, the new owner re-reads from the committed offset', http: 503 },
  ARB_TRANSPORT_GENERATION_STALE: { summary: 'the group refused a transaction\'s offsets because it rebalanced under it (ILLEGAL_GENERATION and the like): the transaction is aborted and the work redone from the committed offsets', http: 503 },
  ARB_TRANSPORT_OFFSETS_UNSTABLE: { summary: 'the committed offsets of newly assigned partitions could not be read stably in 90 s (a transaction holding them stayed open, or the group coordinator did not answer)', http: 503 },
  ARB_TRANSPORT_AUTH_FAILED: { summary: 'the Kafka brokers refused the SASL credentials (wrong user or password, or a mechanism the broker does not enable)', http: 503 },
  ARB_TRANSPORT_TLS_FAILED: { summary: 'the TLS handshake with a Kafka broker failed (certificate not trusted by KAFKA_SSL_CA_FILE, wrong host name, or the port does not speak TLS)', http: 503 },
  ARB_TRANSPORT_NOT_AUTHORIZED: { summary: 'the Kafka brokers denied this principal an operation on a topic, group or transactional id (ACLs; see docs/security.md)', http: 403 },
  // SIEM forwarders (processors/sinks/siem); location = source topic/partition/offset or config key
  ARB_SIEM_CONFIG_INVALID: { summary: 'a SIEM forwarder setting is missing or invalid (checked once at startup)', http: 500 },
  ARB_SIEM_DECODE_FAILED: { summary: 'a record on a SIEM source topic could not be decoded; it went to the SIEM DLQ', http: 500 },
  ARB_SIEM_FORMAT_INVALID: { summary: 'a formatted SIEM event failed its format check (e.g. OCSF required attributes); it went to the DLQ', http: 500 },
  ARB_SIEM_PEER_UNAVAILABLE: { summary: 'the SIEM peer could not be reached or timed out (retryable)', http: 503 },
  ARB_SIEM_PEER_REJECTED: { summary: 'the SIEM peer refused an event for good (4xx other than 408/429); it went to the DLQ', http: 502 },
  ARB_SIEM_PEER_BUSY: { summary: 'the SIEM peer answered busy or failed (408, 429, 5xx) (retryable)', http: 503 },
  ARB_SIEM_RETRIES_EXHAUSTED: { summary: 'an event was not delivered after the configured attempts; it went to the DLQ', http: 503 },
  ARB_SIEM_DLQ_FAILED: { summary: 'writing to the SIEM DLQ failed; offsets were not committed so the batch is redelivered', http: 503 },
  ARB_SIEM_QUEUE_FULL: { summary: 'the bounded SIEM queue was full and a non-blocking offer was dropped (counted)', http: 503 },
  // wire contract and serde (schemas/, processors/runtime/serde); location = topic/partition/offset
  ARB_SERDE_BAD_MAGIC: { summary: 'a record value does not start with the Confluent wire format magic byte 0 (or is shorter than its 5-byte header)', http: 400 },
  ARB_SERDE_UNKNOWN_SCHEMA_ID: { summary: 'a record names a schema id the registry does not know', http: 400 },
  ARB_SERDE_DECODE_FAILED: { summary: 'a record value is not valid Avro for the schema its header names, or not that subject\'s type', http: 400 },
  ARB_SERDE_OVERSIZED: { summary: 'a record value is larger than the configured maximum', http: 413 },
  ARB_SERDE_ENCODE_FAILED: { summary: 'a value does not conform to the Avro schema it is being encoded with', http: 500 },
  ARB_SERDE_REGISTRY_UNAVAILABLE: { summary: 'the schema registry could not be reached or answered with an unexpected error', http: 503 },
  ARB_SERDE_REGISTRY_AUTH_FAILED: { summary: 'the schema registry refused the basic-auth credentials (HTTP 401: wrong or missing SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD)', http: 503 },
  ARB_SERDE_REGISTRY_NOT_AUTHORIZED: { summary: 'the schema registry denied this user the request (HTTP 403: e.g. no write access to a subject)', http: 403 },
  ARB_SERDE_REGISTRY_TLS_FAILED: { summary: 'TLS with the schema registry failed (certificate not trusted by SCHEMA_REGISTRY_CA_FILE, wrong host name, or http:// to a port that speaks TLS, or the reverse)', http: 503 },
  ARB_SCHEMA_INCOMPATIBLE: { summary: 'the registry refused a schema version as not backward compatible with the subject\'s history', http: 409 },
  ARB_TOPICS_NOT_COPARTITIONED: { summary: 'topics that must share a partition count (proposals, results, approvals, session-state) do not', http: 500 },
  // stream runtime (processors/runtime/stream)
  ARB_STREAM_RESTORE_FAILED: { summary: 'a state store could not be restored from its changelog partition', http: 503 },
  ARB_STREAM_PROCESS_FAILED: { summary: 'a processor threw on a decoded record; the record went to the DLQ', http: 500 },
  // verdict processor (processors/verdict); these codes also travel on deny verdicts to the agent
  ARB_VERDICT_DEADLINE_PASSED: { summary: 'the proposal reached the verdict processor after its deadline; denied without evaluation', http: 200 },
  ARB_VERDICT_UNDECODABLE: { summary: 'the proposal could not be decoded; denied, and the raw record went to the DLQ', http: 200 },
  ARB_VERDICT_NO_POLICY: { summary: 'no policy bundle was active when the proposal arrived; denied (fail closed)', http: 200 },
  ARB_VERDICT_EVALUATE_FAILED: { summary: 'evaluating the policy threw; denied (fail closed) and the record went to the DLQ', http: 200 },
  ARB_VERDICT_BAD_REPLY_TO: { summary: 'a proposal names a reply topic or partition the verdict processor is not configured to answer on; it went to the DLQ', http: 400 },
  ARB_VERDICT_KEY_MISMATCH: { summary: 'a record on a session-keyed topic is not keyed by its session id, so it would break co-partitioning; it went to the DLQ', http: 400 },
  ARB_VERDICT_WRONG_PARTITION: { summary: 'a record on a session-keyed topic is not on the partition its key maps to (Java\'s murmur2 partitioner, processors/runtime/partition-for.ts): its session\'s state lives elsewhere; it went to the DLQ (a proposal is also denied)', http: 400 },
  ARB_VERDICT_BUNDLE_REJECTED: { summary: 'a policy bundle on the bundles topic failed verification or compilation; the previous bundle stays active', http: 400 },
  // agent SDK (processors/sdk); the first two travel on the deny the SDK returns to the agent
  ARB_SDK_NO_VERDICT: { summary: 'no verdict arrived before the proposal\'s deadline; the SDK denied the call (fail closed) unless the tool is a configured low-risk read', http: 200 },
  ARB_SDK_SEND_FAILED: { summary: 'the proposal could not be produced to Kafka before its deadline; the SDK denied the call (fail closed) unless the tool is a configured low-risk read', http: 200 },
  ARB_SDK_CONFIG_INVALID: { summary: 'an SDK option is missing or invalid (checked once when the client connects)', http: 500 },
  ARB_SDK_CLOSED: { summary: 'the SDK client was used after close()', http: 500 },
  ARB_SDK_UNKNOWN_PROPOSAL: { summary: 'reportResult() or awaitApproval() named a proposal this client did not propose or no longer remembers', http: 400 },
  // approvals (processors/approvals, arbiter approvals); a resolution refused for one of these is not applied
  ARB_APPROVAL_UNKNOWN: { summary: 'no approval with this id was requested (or it is older than the approvals topic keeps)', http: 404 },
  ARB_APPROVAL_ALREADY_RESOLVED: { summary: 'the approval was already resolved; approvals are single use and the first resolution wins', http: 409 },
  ARB_APPROVAL_EXPIRED: { summary: 'the approval expired before the answer; its on_timeout outcome applies and a late answer is refused', http: 410 },
  ARB_APPROVAL_NOT_EXPIRED: { summary: 'an expiry resolution was written before the approval\'s expiry time', http: 409 },
  ARB_APPROVAL_SCOPE_MISMATCH: { summary: 'a resolution names a different proposal or arguments hash than the request: an approval covers exactly one call', http: 409 },
  ARB_APPROVAL_USAGE: { summary: 'arbiter approvals was called with a missing or unknown subcommand, id or option', http: 400 },
  // the arbiter command (processors/bin/arbiter.ts, processors/cli)
  ARB_CLI_USAGE: { summary: 'an arbiter command was called with a missing or unknown subcommand, argument or option, or an option value of the wrong form', http: 400 },
  ARB_CLI_INPUT_UNREADABLE: { summary: 'a file or directory named on the arbiter command line does not exist or cannot be read (or written, for an output path)', http: 400 },
  ARB_CLI_FAILED: { summary: 'an arbiter command stopped on an unexpected error (the message says which; ARBITER_DEBUG=1 prints the stack)', http: 500 },
  ARB_VERIFY_NO_TABLE: { summary: 'arbiter verify found no decisions table at the ClickHouse or chDB path it was given (wrong path, or nothing was sunk there yet)', http: 404 },
  // demo (processors/bin/demo.ts)
  ARB_DEMO_FAILED: { summary: 'the demo could not start its stack or processors, or its scripted agent saw an unexpected verdict', http: 500 },
  // in-process pipelines (the demo, arbiter eval --kafka: processors/verdict/bundle-publish.ts)
  ARB_PIPELINE_COORDINATOR_UNAVAILABLE: { summary: 'an in-process pipeline could not start: the group coordinator was still loading or unavailable after every retry (a broker that just restarted)', http: 503 },
  ARB_PIPELINE_NOT_READY: { summary: 'an in-process pipeline\'s verdict processor was not ready in time (partitions assigned and restored, bundle active), or its consumer stopped while starting', http: 503 },
  // cross-session aggregator (processors/aggregator)
  ARB_AGG_CONFIG_INVALID: { summary: 'an aggregator threshold or setting is missing or invalid (checked once at startup)', http: 500 },
  ARB_AGG_DECODE_FAILED: { summary: 'a proposal or result could not be decoded by the aggregator; it was counted and skipped (the verdict processor dead-letters it)', http: 500 },
  ARB_AGG_STATE_INVALID: { summary: 'an entry of the aggregator\'s changelog could not be read at restore; it was counted and skipped (that subject\'s window starts over)', http: 500 },
  ARB_AGG_STATE_ABORTED: { summary: 'an aggregator commit failed after its state changed in memory; the aggregator stops and its state is restored from the changelog on restart', http: 500 },
  ARB_FEED_STOPPED: { summary: 'a broadcast feed\'s consumer (quarantine signals, rates) stopped; it is restarted from where it stopped, and until then decisions use the state as last read', http: 503 },
  ARB_SHUTDOWN_STEP_ABANDONED: { summary: 'a step of a processor\'s shutdown (final commit, leaving the group, closing the producer) did not finish in time and was abandoned; the broker aborts an unfinished transaction and its input is read again', http: 503 },
  ARB_RATE_SIGNAL_INVALID: { summary: 'a rate signal from the aggregator could not be read by the verdict processor; it was counted and skipped', http: 500 },
  // trajectory: session state serialization (processors/trajectory/serde.ts; location = session key and byte offset)
  ARB_TRAJECTORY_STATE_CORRUPT: { summary: 'a serialized session state is truncated, malformed or exceeds the state caps', http: 500 },
  ARB_TRAJECTORY_STATE_VERSION: { summary: 'a serialized session state has a format version this build cannot read', http: 500 },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface Location {
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly key?: string;
}

/** Errors are data: a code, a message that says what was wrong, and where. */
export interface Problem {
  readonly code: ErrorCode;
  readonly message: string;
  readonly severity: 'error' | 'warning';
  readonly location?: Location;
}

export class ArbiterError extends Error {
  readonly code: ErrorCode;
  readonly location: Location | undefined;
  constructor(code: ErrorCode, message: string, location?: Location) {
    super(`${code}: ${message}${location ? ` (at ${formatLocation(location)})` : ''}`);
    this.name = 'ArbiterError';
    this.code = code;
    this.location = location;
  }
}

export function formatLocation(loc: Location): string {
  if (loc.file !== undefined) return [loc.file, loc.line, loc.col].filter((x) => x !== undefined).join(':');
  if (loc.topic !== undefined) return `${loc.topic}/${loc.partition ?? '?'}@${loc.offset ?? '?'}`;
  return loc.key ?? '?';
}
