// Tool metadata accessor for other modules (the trajectory fold reads verb, labels, untrusted output,
// destination arguments and cost). Same as bundle.tools.get(name); undefined for tools the bundle does not declare.

import type { PolicyBundle, ToolMeta } from './model.ts';

export function toolMetaOf(bundle: PolicyBundle, tool: string): ToolMeta | undefined {
  return bundle.tools.get(tool);
}
