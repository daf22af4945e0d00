// Stage 2, schema validation: checks a positioned YAML tree against schemas/policy-bundle.schema.json.
// Depends on: reader. Implements the JSON Schema subset the language schema uses (type, enum, properties,
// patternProperties, additionalProperties, required, items, minItems, minProperties, pattern, minimum, anyOf, $ref),
// so the schema file stays the single source of truth and every problem carries the YAML position.

import { readFileSync } from 'node:fs';
import type { Problem } from '../core/errors.ts';
import { problemAt, type YNode } from './reader.ts';

interface Schema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly patternProperties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: boolean | Schema;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly minItems?: number;
  readonly minProperties?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly anyOf?: readonly Schema[];
  readonly $ref?: string;
  readonly $defs?: Readonly<Record<string, Schema>>;
}

const SCHEMA_URL = new URL('../../schemas/policy-bundle.schema.json', import.meta.url);
let rootSchema: Schema | undefined;
const patternCache = new Map<string, RegExp>();

function loadSchema(): Schema {
  rootSchema ??= JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Schema;
  return rootSchema;
}

function re(p: string): RegExp {
  let r = patternCache.get(p);
  if (r === undefined) {
    r = new RegExp(p, 'u');
    patternCache.set(p, r);
  }
  return r;
}

function resolve(s: Schema): Schema {
  let cur = s;
  while (cur.$ref !== undefined) {
    const name = cur.$ref.replace('#/$defs/', '');
    const next = loadSchema().$defs?.[name];
    if (next === undefined) throw new Error(`schema $ref ${cur.$ref} is missing`);
    cur = next;
  }
  return cur;
}

function kindOf(n: YNode): string {
  if (n.kind === 'map') return 'object';
  if (n.kind === 'seq') return 'array';
  const v = n.value;
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeOk(n: YNode, type: string | readonly string[]): boolean {
  const k = kindOf(n);
  const types = typeof type === 'string' ? [type] : type;
  return types.some((t) => t === k || (t === 'number' && k === 'integer'));
}

/** Whether the node is of a shape the (resolved) branch expects at its top level; used to pick anyOf errors. */
function shapeFits(n: YNode, s: Schema): boolean {
  const r = resolve(s);
  if (r.type !== undefined) return typeOk(n, r.type);
  if (r.enum !== undefined) return n.kind === 'scalar';
  if (r.anyOf !== undefined) return r.anyOf.some((b) => shapeFits(n, b));
  return true;
}

function describeType(s: Schema): string {
  const r = resolve(s);
  if (r.type !== undefined) return typeof r.type === 'string' ? r.type : r.type.join(' or ');
  if (r.enum !== undefined) return `one of ${r.enum.join(', ')}`;
  if (r.anyOf !== undefined) return r.anyOf.map(describeType).join(' or ');
  return 'a value';
}

function check(n: YNode, schema: Schema, where: string, out: Problem[]): void {
  const s = resolve(schema);
  if (s.anyOf !== undefined) {
    for (const branch of s.anyOf) {
      const tmp: Problem[] = [];
      check(n, branch, where, tmp);
      if (tmp.length === 0) return;
    }
    const fitting = s.anyOf.find((b) => shapeFits(n, b));
    if (fitting !== undefined) {
      check(n, fitting, where, out);
      return;
    }
    out.push(problemAt('ARB_POLICY_TYPE', `${where}: expected ${describeType(s)}, got ${kindOf(n)}`, n.pos));
    return;
  }
  if (s.type !== undefined && !typeOk(n, s.type)) {
    out.push(problemAt('ARB_POLICY_TYPE', `${where}: expected ${describeType(s)}, got ${kindOf(n)}`, n.pos));
    return;
  }
  if (s.enum !== undefined) {
    const v = n.kind === 'scalar' ? n.value : undefined;
    if (!s.enum.includes(v)) {
      out.push(problemAt(n.kind === 'scalar' ? 'ARB_POLICY_BAD_VALUE' : 'ARB_POLICY_TYPE', `${where}: expected one of ${s.enum.join(', ')}, got ${n.kind === 'scalar' ? JSON.stringify(v) : kindOf(n)}`, n.pos));
    }
    return;
  }
  if (n.kind === 'scalar') {
    if (s.pattern !== undefined && typeof n.value === 'string' && !re(s.pattern).test(n.value)) {
      out.push(problemAt('ARB_POLICY_BAD_VALUE', `${where}: ${JSON.stringify(n.value)} does not match ${s.pattern}`, n.pos));
    }
    if (s.minimum !== undefined && typeof n.value === 'number' && n.value < s.minimum) {
      out.push(problemAt('ARB_POLICY_BAD_VALUE', `${where}: ${n.value} is below the minimum ${s.minimum}`, n.pos));
    }
    return;
  }
  if (n.kind === 'seq') {
    if (s.minItems !== undefined && n.items.length < s.minItems) {
      out.push(problemAt('ARB_POLICY_BAD_VALUE', `${where}: needs at least ${s.minItems} item(s)`, n.pos));
    }
    if (s.items !== undefined) n.items.forEach((item, i) => check(item, s.items as Schema, `${where}[${i}]`, out));
    return;
  }
  if (s.minProperties !== undefined && n.entries.length < s.minProperties) {
    out.push(problemAt('ARB_POLICY_BAD_VALUE', `${where}: must not be empty`, n.pos));
  }
  for (const req of s.required ?? []) {
    if (!n.entries.some((e) => e.key === req)) {
      out.push(problemAt('ARB_POLICY_MISSING_FIELD', `${where}: missing required field "${req}"`, n.pos));
    }
  }
  for (const e of n.entries) {
    const sub = `${where}.${e.key}`;
    const prop = s.properties?.[e.key];
    if (prop !== undefined) {
      check(e.value, prop, sub, out);
      continue;
    }
    let matched = false;
    for (const [pat, ps] of Object.entries(s.patternProperties ?? {})) {
      if (re(pat).test(e.key)) {
        matched = true;
        check(e.value, ps, sub, out);
        break;
      }
    }
    if (matched) continue;
    if (s.additionalProperties === false) {
      const known = Object.keys(s.properties ?? {});
      const hint = known.length > 0 ? ` (known: ${known.join(', ')})` : '';
      out.push(problemAt('ARB_POLICY_UNKNOWN_FIELD', `${where}: unknown field "${e.key}"${hint}`, e.keyPos));
    } else if (typeof s.additionalProperties === 'object') {
      check(e.value, s.additionalProperties, sub, out);
    }
  }
}

/** Validates one source's root node against the language schema. Collects every problem; never throws on input. */
export function checkSchema(root: YNode): Problem[] {
  const out: Problem[] = [];
  check(root, loadSchema(), '$', out);
  return out;
}
