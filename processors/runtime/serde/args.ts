// Tool-call arguments between the core shape (plain JSON-like ArgValue the policy reads) and the wire shape.
// Wire: either a per-tool Avro record (tools whose schema is known, e.g. send_email) or, as the fallback for
// every other tool (or a known tool whose arguments don't fit its record), the generic map of the recursive
// ArgValue union. Integers travel as long, other numbers as double, so the policy sees the type that was sent.
import { ArbiterError } from '../../core/errors.ts';
import type { ArgValue as CoreArg, Args } from '../../core/types.ts';
import type { ArgValue as WireArg } from '../../../schemas/generated/ArgValue.ts';
import type { ToolCallProposal as WireProposal } from '../../../schemas/generated/ToolCallProposal.ts';
import { avroType } from '../../../schemas/catalogue.ts';

type WireArgs = WireProposal['args'];
type WireArgMap = { readonly [key: string]: WireArg };

/** Tools with a typed argument record: tool name -> the record's branch name in ToolCallProposal.args. */
export const TYPED_TOOL_BRANCHES: Readonly<Record<string, string>> = {
  send_email: 'arbiter.v1.tools.SendEmailArgs',
};

interface BranchType { readonly branchName?: string; isValid(v: unknown, o?: { noUndeclaredFields: boolean }): boolean }

function branchTypes(): Map<string, BranchType> {
  const args = (avroType('ToolCallProposal') as unknown as { fields: { name: string; type: { types: BranchType[] } }[] })
    .fields.find((f) => f.name === 'args');
  return new Map((args?.type.types ?? []).map((t) => [t.branchName ?? '', t]));
}

let branches: Map<string, BranchType> | undefined;

export function toWireArg(value: CoreArg): WireArg {
  if (value === null) return { v: null };
  switch (typeof value) {
    case 'boolean': return { v: { boolean: value } };
    case 'string': return { v: { string: value } };
    // -0 is an integer to JavaScript but not to a long: it travels as a double so its sign survives.
    case 'number': return { v: Number.isSafeInteger(value) && !Object.is(value, -0) ? { long: value } : { double: value } };
    default:
      if (Array.isArray(value)) return { v: { array: (value as readonly CoreArg[]).map(toWireArg) } };
      return { v: { map: toWireArgMap(value as Args) } };
  }
}

function toWireArgMap(args: Args): WireArgMap {
  const out: Record<string, WireArg> = {};
  for (const k of Object.keys(args)) {
    // avsc reads a map into a plain object, where a "__proto__" key sets the prototype and vanishes: the policy
    // would not see the argument the tool gets. Refused rather than silently dropped.
    if (k === '__proto__') throw new ArbiterError('ARB_SERDE_ENCODE_FAILED', 'an argument named "__proto__" cannot be sent: it would not survive decoding');
    out[k] = toWireArg(args[k] as CoreArg);
  }
  return out;
}

export function fromWireArg(wire: WireArg): CoreArg {
  const v = wire.v;
  if (v === null) return null;
  if ('string' in v) return v.string;
  if ('long' in v) return v.long;
  if ('double' in v) return v.double;
  if ('boolean' in v) return v.boolean;
  if ('array' in v) return v.array.map(fromWireArg);
  return fromWireArgMap(v.map);
}

function fromWireArgMap(map: WireArgMap): Args {
  const out: Record<string, CoreArg> = {};
  for (const k of Object.keys(map)) out[k] = fromWireArg(map[k] as WireArg);
  return out;
}

/** Copies a decoded typed record (avsc record instance) into plain Args; its fields are plain Avro values. */
function recordToArgs(record: object): Args {
  const out: Record<string, CoreArg> = {};
  for (const [k, v] of Object.entries(record)) out[k] = v as CoreArg;
  return out;
}

/** The wire form of a proposal's arguments: the tool's typed record when it has one and the args fit it. */
export function toWireArgs(tool: string, args: Args): WireArgs {
  const branch = TYPED_TOOL_BRANCHES[tool];
  if (branch !== undefined) {
    branches ??= branchTypes();
    if (branches.get(branch)?.isValid(args, { noUndeclaredFields: true })) return { [branch]: args } as unknown as WireArgs;
  }
  return { map: toWireArgMap(args) };
}

export function fromWireArgs(wire: WireArgs): Args {
  if ('map' in wire) return fromWireArgMap(wire.map);
  const record = Object.values(wire)[0] as object;
  return recordToArgs(record);
}

/** Generic map form (e.g. a verdict's modified arguments, which have no per-tool record). */
export { toWireArgMap, fromWireArgMap };
