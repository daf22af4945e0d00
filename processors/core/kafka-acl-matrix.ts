// Which Kafka principal may do what on which topic, consumer group and transactional id: the least-privilege ACL
// matrix of docs/security.md, as data. deploy/kafka-acls.sh prints it as kafka-acls commands; the security
// integration test applies it to a broker with the StandardAuthorizer, so the document is tested. Pure.
import { defineTopics } from '../runtime/topics.ts';
import { aggregatorTopics } from '../aggregator/topics.ts';

export type AclOperation = 'READ' | 'WRITE' | 'DESCRIBE' | 'CREATE';
export type AclResource = 'topic' | 'group' | 'transactional-id';

export interface AclGrant {
  readonly resource: AclResource;
  readonly name: string;
  /** prefixed: every name starting with `name` (a topic family, consumer groups with per-instance suffixes). */
  readonly pattern: 'literal' | 'prefixed';
  readonly operations: readonly AclOperation[];
}

export const ACL_ROLES = ['agent', 'verdict', 'aggregator', 'approvals', 'clickhouse-sink', 'siem-forwarder', 'policy-publisher'] as const;
export type AclRole = (typeof ACL_ROLES)[number];

export interface RoleAcls {
  readonly role: AclRole;
  /** Who runs as this principal. */
  readonly who: string;
  readonly grants: readonly AclGrant[];
}

const topic = (name: string, ...operations: AclOperation[]): AclGrant => ({ resource: 'topic', name, pattern: 'literal', operations });
const topics = (prefix: string, ...operations: AclOperation[]): AclGrant => ({ resource: 'topic', name: prefix, pattern: 'prefixed', operations });
const groups = (prefix: string, ...operations: AclOperation[]): AclGrant => ({ resource: 'group', name: prefix, pattern: 'prefixed', operations });
const txnIds = (prefix: string): AclGrant => ({ resource: 'transactional-id', name: prefix, pattern: 'prefixed', operations: ['WRITE', 'DESCRIBE'] });

/**
 * The grants of every role for a deployment with this topic prefix. Group and transactional-id names are the
 * processors' defaults (ARBITER_VERDICT_GROUP, ARBITER_AGGREGATOR_GROUP, ...); change both together.
 */
export function aclMatrix(topicPrefix: string): RoleAcls[] {
  const t = defineTopics({ prefix: topicPrefix, partitions: 1, replicationFactor: 1 });
  const agg = aggregatorTopics(topicPrefix, 1);
  return [
    {
      role: 'agent', who: 'the agent SDK (processors/sdk) in each agent process',
      grants: [
        topic(t.proposals.topic, 'WRITE', 'DESCRIBE'), topic(t.results.topic, 'WRITE', 'DESCRIBE'),
        topic(t.verdicts.topic, 'READ', 'DESCRIBE'), topic(t.approvals.topic, 'READ', 'DESCRIBE'),
        groups('arbiter-sdk-', 'READ'),
      ],
    },
    {
      role: 'verdict', who: 'the verdict processor (processors/bin/verdict.ts)',
      grants: [
        topics(`${topicPrefix}.`, 'DESCRIBE', 'CREATE'),
        topic(t.proposals.topic, 'READ'), topic(t.results.topic, 'READ'), topic(t.approvals.topic, 'READ'),
        topic(t.policyBundles.topic, 'READ'), topic(t.alerts.topic, 'READ'), topic(agg.rates.topic, 'READ'),
        topic(t.sessionState.topic, 'READ', 'WRITE'), topic(t.decisions.topic, 'WRITE'),
        // The verdicts topic and per-agent reply topics (<prefix>.verdicts.<agent>, ARBITER_REPLY_TOPICS).
        topics(t.verdicts.topic, 'WRITE'), topics(`${topicPrefix}.dlq.`, 'WRITE'),
        groups('arbiter-verdict', 'READ'), txnIds('arbiter-verdict'),
      ],
    },
    {
      role: 'aggregator', who: 'the aggregator (processors/bin/aggregator.ts)',
      grants: [
        topics(`${topicPrefix}.`, 'DESCRIBE', 'CREATE'),
        topic(t.proposals.topic, 'READ'), topic(t.results.topic, 'READ'), topic(t.alerts.topic, 'READ', 'WRITE'),
        topic(agg.rates.topic, 'WRITE'), topic(agg.changelog.topic, 'READ', 'WRITE'),
        groups('arbiter-aggregator', 'READ'), txnIds('arbiter-aggregator'),
      ],
    },
    {
      role: 'approvals', who: 'the approvals service and `arbiter approvals` (human reviewers)',
      grants: [topic(t.approvals.topic, 'READ', 'WRITE', 'DESCRIBE'), groups('arbiter-approvals', 'READ'), groups('arbiter-cli-approvals', 'READ')],
    },
    {
      role: 'clickhouse-sink', who: 'the ClickHouse sink (processors/bin/clickhouse-sink.ts); dashboards read ClickHouse, not Kafka',
      grants: [
        topic(t.decisions.topic, 'READ', 'DESCRIBE'), topic(t.approvals.topic, 'READ', 'DESCRIBE'), topic(t.alerts.topic, 'READ', 'DESCRIBE'),
        groups('arbiter-clickhouse-sink', 'READ'),
        // Consumer lag of the pipeline's groups (OffsetFetch needs DESCRIBE on the group).
        groups('arbiter-', 'DESCRIBE'),
      ],
    },
    {
      role: 'siem-forwarder', who: 'the SIEM forwarder (processors/bin/siem-forwarder.ts)',
      grants: [topic(t.decisions.topic, 'READ', 'DESCRIBE'), topic(t.alerts.topic, 'READ', 'DESCRIBE'), groups('arbiter-siem', 'READ')],
    },
    {
      role: 'policy-publisher', who: '`arbiter policy publish` (policy authors, CI)',
      grants: [topic(t.policyBundles.topic, 'READ', 'WRITE', 'DESCRIBE'), groups('arbiter-cli-', 'READ')],
    },
  ];
}

export interface AclCommandOptions {
  readonly bootstrapServer: string;
  /** Admin client properties file (the super user's SASL_SSL settings). */
  readonly commandConfig: string;
  /** Kafka principal of a role: default User:arbiter-<role>. */
  readonly principal?: (role: AclRole) => string;
}

const FLAG: Record<AclResource, string> = { topic: '--topic', group: '--group', 'transactional-id': '--transactional-id' };
const OPERATION: Record<AclOperation, string> = { READ: 'Read', WRITE: 'Write', DESCRIBE: 'Describe', CREATE: 'Create' };

/** One kafka-acls.sh --add command per grant, shell-quoted. */
export function aclCommands(matrix: readonly RoleAcls[], o: AclCommandOptions): string[] {
  const q = (s: string) => (/^[A-Za-z0-9._:=\/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const principal = o.principal ?? ((role: AclRole) => `User:arbiter-${role}`);
  return matrix.flatMap((r) => r.grants.map((g) => [
    'kafka-acls.sh', '--bootstrap-server', q(o.bootstrapServer), '--command-config', q(o.commandConfig), '--add',
    '--allow-principal', q(principal(r.role)), ...g.operations.flatMap((op) => ['--operation', OPERATION[op]]),
    FLAG[g.resource], q(g.name), '--resource-pattern-type', g.pattern,
  ].join(' ')));
}
