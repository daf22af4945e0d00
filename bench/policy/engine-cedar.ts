// Cedar through @cedar-policy/cedar-wasm: the policy set is pre-parsed once (preparsePolicySet) and each decision
// is one statefulIsAuthorized call with a request object built before timing.

import { getCedarVersion, preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { cedarRequest, toCedar } from './emit-cedar.ts';
import type { PreparedEngine } from './engine.ts';
import type { BenchCase, PolicySpec } from './spec.ts';

/** cedar-wasm caches pre-parsed policy sets by id in module state: every prepared engine gets its own id. */
let prepared = 0;

export function prepareCedar(spec: PolicySpec, cases: readonly BenchCase[]): PreparedEngine {
  const policySetId = `bench-${spec.ruleCount}-${++prepared}`;
  const parsed = preparsePolicySet(policySetId, { staticPolicies: toCedar(spec) });
  if (parsed.type !== 'success') {
    throw new Error(`Cedar rejected the generated ${spec.ruleCount}-rule policy: ${parsed.errors.map((e) => e.message).join('; ')}`);
  }
  const requests = cases.map((c) => cedarRequest(c, policySetId));
  const decide = (i: number): boolean => {
    const request = requests[i];
    if (request === undefined) throw new Error(`no Cedar request for case ${i}`);
    const answer = statefulIsAuthorized(request);
    if (answer.type !== 'success') throw new Error(`Cedar failed on case ${i}: ${answer.errors.map((e) => e.message).join('; ')}`);
    if (answer.response.diagnostics.errors.length > 0) {
      throw new Error(`Cedar policy errors on case ${i}: ${answer.response.diagnostics.errors.map((e) => e.error.message).join('; ')}`);
    }
    return answer.response.decision === 'allow';
  };
  return { engine: 'cedar-wasm', version: `cedar ${getCedarVersion()}`, decide };
}

/**
 * The cost of a cedar-wasm call itself: the same requests against a single permit-all policy. Most of it is moving
 * the request across the JS/wasm boundary and building Cedar's request and context; it bounds from below what any
 * policy costs through cedar-wasm. Not an equivalent policy, so it is not part of the equivalence gate.
 */
export function prepareCedarFloor(cases: readonly BenchCase[]): PreparedEngine {
  const policySetId = `floor-${++prepared}`;
  const parsed = preparsePolicySet(policySetId, { staticPolicies: 'permit (principal, action, resource);' });
  if (parsed.type !== 'success') throw new Error(`Cedar rejected the permit-all policy: ${parsed.errors.map((e) => e.message).join('; ')}`);
  const requests = cases.map((c) => cedarRequest(c, policySetId));
  const decide = (i: number): boolean => {
    const request = requests[i];
    if (request === undefined) throw new Error(`no Cedar request for case ${i}`);
    const answer = statefulIsAuthorized(request);
    return answer.type === 'success' && answer.response.decision === 'allow';
  };
  return { engine: 'cedar-wasm floor', version: `cedar ${getCedarVersion()}`, decide };
}
