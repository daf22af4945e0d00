// The schema registry as the serde needs it: register a subject's schema (BACKWARD compatibility), check a
// candidate's compatibility, fetch a writer schema by id. Speaks the Confluent REST API, which Apicurio serves
// under /apis/ccompat/v7. Registration goes through @kafkajs/confluent-schema-registry (it also sets the
// subject's compatibility on first registration); the two reads are plain REST calls because that client
// parses fetched schemas with its own avsc options, and the serde must parse with avroOptions().
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import confluent from '@kafkajs/confluent-schema-registry';
import { loadStackConfig, mergeEnv, parseStackEnv } from '../../core/config.ts';
import { ArbiterError } from '../../core/errors.ts';

const { SchemaRegistry, SchemaType, COMPATIBILITY } = confluent;

export interface SchemaRegistryClient {
  /** Registers (idempotently) and returns the schema id. Throws ARB_SCHEMA_INCOMPATIBLE when refused as incompatible. */
  register(subject: string, schema: object): Promise<number>;
  /** Whether `schema` could be registered as the subject's next version (true when the subject does not exist). */
  isCompatible(subject: string, schema: object): Promise<boolean>;
  /** The writer schema text for an id, or undefined when the registry does not know the id. */
  schemaById(id: number): Promise<string | undefined>;
}

/** Normalised base URL: no trailing slash. */
function base(url: string): string {
  return url.replace(/\/+$/, '');
}

async function registryFetch(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new ArbiterError('ARB_SERDE_REGISTRY_UNAVAILABLE', `schema registry request failed: ${(error as Error).message}`, { key: url });
  }
}

export function createRegistryClient(url: string): SchemaRegistryClient {
  const root = base(url);
  const client = new SchemaRegistry({ host: root });
  const json = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };
  return {
    async register(subject, schema) {
      try {
        const { id } = await client.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
          { subject, compatibility: COMPATIBILITY.BACKWARD },
        );
        return id;
      } catch (error) {
        const status = (error as { status?: number }).status;
        const message = (error as Error).message;
        if (status === 409 || /incompatib/i.test(message)) {
          throw new ArbiterError('ARB_SCHEMA_INCOMPATIBLE', `subject ${subject} refused the schema: ${message}`, { key: subject });
        }
        throw new ArbiterError('ARB_SERDE_REGISTRY_UNAVAILABLE', `registering subject ${subject} failed: ${message}`, { key: subject });
      }
    },
    async isCompatible(subject, schema) {
      const res = await registryFetch(`${root}/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`, {
        method: 'POST', headers: json, body: JSON.stringify({ schema: JSON.stringify(schema) }),
      });
      if (res.status === 404) return true;
      if (!res.ok) {
        throw new ArbiterError('ARB_SERDE_REGISTRY_UNAVAILABLE', `compatibility check of ${subject} answered ${res.status}: ${await res.text()}`, { key: subject });
      }
      return ((await res.json()) as { is_compatible?: boolean }).is_compatible === true;
    },
    async schemaById(id) {
      const res = await registryFetch(`${root}/schemas/ids/${id}`);
      if (res.status === 404) return undefined;
      if (!res.ok) {
        throw new ArbiterError('ARB_SERDE_REGISTRY_UNAVAILABLE', `fetching schema id ${id} answered ${res.status}`, { key: `schema id ${id}` });
      }
      return ((await res.json()) as { schema: string }).schema;
    },
  };
}

const STACK_ENV = join(import.meta.dirname, '..', '..', '..', '.run', 'stack.env');

/** The registry URL for local tools and tests: the environment, else the local stack's .run/stack.env, else the default. */
export function localRegistryUrl(): string {
  const stackEnv = existsSync(STACK_ENV) ? parseStackEnv(readFileSync(STACK_ENV, 'utf8'), STACK_ENV) : {};
  return loadStackConfig(mergeEnv(stackEnv, process.env)).registry.url;
}
