// What the trajectory needs to know about a tool. The policy bundle's tool metadata (bundle.tools.get(name)) has
// these fields (and more), so it can be passed as is; the trajectory never imports the policy compiler (one-way dependency).

import type { Verb } from '../core/types.ts';

export interface ToolInfo {
  /** What the tool does; drives privilege escalation. */
  readonly verb: Verb;
  /** The tool's output is untrusted content (web pages, inbound e-mail): it taints the session. */
  readonly untrustedOutput: boolean;
  /** Cost per call in the budget currency, booked when a result reports no cost of its own. */
  readonly cost: number;
}
