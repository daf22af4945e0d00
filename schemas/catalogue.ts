// The wire contract's catalogue: every top-level Avro schema, its current version and its superseded versions.
// Shared named types live once in schemas/types/*.avsc; loadSchema() inlines each at its first use so every
// schema handed to the registry or to avsc is self-contained (no registry references needed).
// Files are read synchronously: this runs at startup or in tests, never on a hot path.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';

export const SCHEMA_DIR: string = import.meta.dirname;

/**
 * One avsc option set for codegen, serde and tests, so generated types match what decoding returns.
 * A fresh object per parse: avsc records every named type in opts.registry, and a shared one would clash.
 */
export function avroOptions(): Partial<avro.ForSchemaOptions> {
  return { wrapUnions: 'auto' };
}

/** Current version of each top-level schema. Bump when the .avsc changes and move the old one to history/. */
export const SCHEMA_VERSIONS = {
  ToolCallProposal: 4,
  ToolCallResult: 4,
  Verdict: 1,
  DecisionRecord: 1,
  ApprovalEvent: 3,
  PolicyBundleActivated: 1,
  TrajectoryAlert: 1,
  SessionStateSnapshot: 1,
  DeadLetter: 1,
} as const;

export type SchemaName = keyof typeof SCHEMA_VERSIONS;
export const SCHEMA_NAMES = Object.keys(SCHEMA_VERSIONS) as SchemaName[];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function readJson(path: string): JsonObject {
  return JSON.parse(readFileSync(path, 'utf8')) as JsonObject;
}

let sharedCache: Map<string, JsonObject> | undefined;

/** Shared named types by full name (namespace.name). */
export function sharedTypes(): Map<string, JsonObject> {
  if (sharedCache) return sharedCache;
  const shared = new Map<string, JsonObject>();
  const dir = join(SCHEMA_DIR, 'types');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.avsc')).sort()) {
    const def = readJson(join(dir, file));
    shared.set(`${String(def['namespace'])}.${String(def['name'])}`, def);
  }
  sharedCache = shared;
  return shared;
}

/** Inlines shared named types at their first reference (document order = Avro parse order). */
function inlineShared(type: Json, shared: Map<string, JsonObject>, defined: Set<string>): Json {
  if (typeof type === 'string') {
    const def = shared.get(type);
    if (def === undefined || defined.has(type)) return type;
    defined.add(type);
    return inlineShared(structuredClone(def), shared, defined);
  }
  if (Array.isArray(type)) return type.map((branch) => inlineShared(branch, shared, defined));
  if (type === null || typeof type !== 'object') return type;
  const out: JsonObject = { ...type };
  const kind = out['type'];
  if (kind === 'record' || kind === 'error') {
    const fields = (out['fields'] as JsonObject[]) ?? [];
    out['fields'] = fields.map((f) => ({ ...f, type: inlineShared(f['type'] ?? null, shared, defined) }));
  } else if (kind === 'array') {
    out['items'] = inlineShared(out['items'] ?? null, shared, defined);
  } else if (kind === 'map') {
    out['values'] = inlineShared(out['values'] ?? null, shared, defined);
  } else if (typeof kind !== 'string' || !['enum', 'fixed'].includes(kind)) {
    out['type'] = inlineShared(kind ?? null, shared, defined);
  }
  return out;
}

function schemaPath(name: SchemaName, version: number): string {
  return version === SCHEMA_VERSIONS[name]
    ? join(SCHEMA_DIR, `${name}.avsc`)
    : join(SCHEMA_DIR, 'history', `${name}.v${version}.avsc`);
}

/** The self-contained schema JSON of one version (default: current). */
export function loadSchema(name: SchemaName, version: number = SCHEMA_VERSIONS[name]): JsonObject {
  if (!Number.isInteger(version) || version < 1 || version > SCHEMA_VERSIONS[name]) {
    throw new RangeError(`schema ${name} has versions 1..${SCHEMA_VERSIONS[name]}, not ${version}`);
  }
  const root = readJson(schemaPath(name, version));
  const defined = new Set<string>([`${String(root['namespace'])}.${String(root['name'])}`]);
  return inlineShared(root, sharedTypes(), defined) as JsonObject;
}

const typeCache = new Map<string, avro.Type>();

/** The parsed avsc Type of one version, cached. */
export function avroType(name: SchemaName, version: number = SCHEMA_VERSIONS[name]): avro.Type {
  const key = `${name}@${version}`;
  let type = typeCache.get(key);
  if (type === undefined) {
    type = avro.Type.forSchema(loadSchema(name, version) as avro.Schema, avroOptions());
    typeCache.set(key, type);
  }
  return type;
}
