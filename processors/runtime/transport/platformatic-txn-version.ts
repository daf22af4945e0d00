// AddPartitionsToTxn v4 and later are the brokers' own batched transaction verification (KIP-890): a broker
// authorizes them as CLUSTER_ACTION on the cluster. @platformatic/kafka 2.12.1 picks the highest version the broker
// offers (v5), so under ACLs every transactional producer would need ClusterAction, a broker's right (found by
// test/int/kafka-security.int.test.ts: "Cluster authorization failed" on the first transactional send). v3 is the
// clients' version and the client calls it with the same arguments; this caps the version on one client instance.
import { ArbiterError } from '../../core/errors.ts';

const LIST_APIS = 'plt.kafka.base.listApis';
const CLIENT_MAX_VERSION = 3;

interface ApiRange {
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}
type ListApis = (callback: (error: Error | null, apis?: ApiRange[]) => void) => void;

function listApisSymbol(client: object): symbol | undefined {
  for (let proto = Object.getPrototypeOf(client) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    const found = Object.getOwnPropertySymbols(proto).find((s) => s.description === LIST_APIS);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Makes `client` (a transactional Producer) use AddPartitionsToTxn v3 at most. */
export function useClientAddPartitionsToTxn(client: object): void {
  const key = listApisSymbol(client);
  if (key === undefined) {
    throw new ArbiterError('ARB_TRANSPORT_CLIENT_UNAVAILABLE',
      `@platformatic/kafka: no ${LIST_APIS} method to cap AddPartitionsToTxn at v${CLIENT_MAX_VERSION} (the adapter is written against 2.12.1)`,
      { key: 'ARBITER_KAFKA_CLIENT' });
  }
  const target = client as Record<symbol, ListApis>;
  const original = (target[key] as ListApis).bind(client);
  target[key] = (callback) => original((error, apis) => callback(error, apis?.map((api) =>
    api.name === 'AddPartitionsToTxn' ? { ...api, maxVersion: Math.min(api.maxVersion, CLIENT_MAX_VERSION) } : api)));
}
