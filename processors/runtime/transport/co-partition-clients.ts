// The co-partitioning assignor (co-partition-assignor.ts) in the shapes the JavaScript clients take: consumer options
// for @platformatic/kafka, a partition assigner for kafkajs. (librdkafka cannot run a JavaScript assignor: the
// Confluent adapter uses its native range assignor and checks each assignment with coPartitionViolation.)
// Each member announces the partition numbers it owns as subscription user data, which keeps assignments sticky.
import kafkajs from 'kafkajs';
import type { PartitionAssigner } from 'kafkajs';
import type { GroupOptions, GroupPartitionsAssigner } from '@platformatic/kafka';
import { assignCoPartitioned, CO_PARTITION_PROTOCOL, decodeOwned, encodeOwned, type CoPartitionAssignment } from './co-partition-assignor.ts';

type OwnedNow = () => readonly { partition: number }[];

/**
 * @platformatic/kafka consumer options. `owned` reads the consumer's current assignment at each join; `failed` gets
 * the refusal when this member leads and the group cannot be co-partitioned (every member then gets nothing: none
 * processes a split assignment). Without this the client falls back to its round-robin assignor.
 */
export function platformaticCoPartition(groupId: string, owned: OwnedNow, failed: (error: unknown) => void):
  Required<Pick<GroupOptions, 'protocols' | 'protocolsMetadata' | 'partitionAssigner'>> {
  const partitionAssigner: GroupPartitionsAssigner = (_leader, members, _topics, metadata) => {
    let assignment: CoPartitionAssignment;
    try {
      assignment = assignCoPartitioned(groupId, [...members.values()].map((m) => ({
        memberId: m.memberId, topics: m.topics ?? [], owned: decodeOwned(toBuffer(m.metadata)),
      })), (topic) => metadata.topics.get(topic)?.partitionsCount);
    } catch (error) {
      failed(error);
      assignment = new Map([...members.keys()].map((id) => [id, new Map()]));
    }
    return [...assignment].map(([memberId, byTopic]) => ({
      memberId, assignments: new Map([...byTopic].map(([topic, partitions]) => [topic, { topic, partitions }])),
    }));
  };
  return {
    protocols: [{ name: CO_PARTITION_PROTOCOL, version: 1 }],
    protocolsMetadata: () => encodeOwned(owned()),
    partitionAssigner,
  };
}

const toBuffer = (data: Buffer | string | null | undefined): Buffer | undefined =>
  data === null || data === undefined ? undefined : typeof data === 'string' ? Buffer.from(data) : data;

/** A kafkajs partition assigner. A refusal throws from assign(): the client crashes the consumer, run() rejects. */
export function kafkajsCoPartition(owned: OwnedNow): PartitionAssigner {
  const { MemberMetadata, MemberAssignment } = kafkajs.AssignerProtocol;
  return ({ cluster, groupId }) => ({
    name: CO_PARTITION_PROTOCOL,
    version: 1,
    async assign({ members }) {
      const assignment = assignCoPartitioned(groupId, members.map((m) => {
        const meta = MemberMetadata.decode(m.memberMetadata);
        return { memberId: m.memberId, topics: meta?.topics ?? [], owned: decodeOwned(meta?.userData) };
      }), (topic) => cluster.findTopicPartitionMetadata(topic)?.length);
      return [...assignment].map(([memberId, byTopic]) => ({
        memberId,
        memberAssignment: MemberAssignment.encode({ version: 1, assignment: Object.fromEntries(byTopic), userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: CO_PARTITION_PROTOCOL, metadata: MemberMetadata.encode({ version: 1, topics, userData: encodeOwned(owned()) }) };
    },
  });
}
