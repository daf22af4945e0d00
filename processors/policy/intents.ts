// Declared task intents: intent name -> the tools the task may use. A session may declare several intents joined
// by "+" (e.g. "payments+messaging": a task that pays a bill and tells someone): a tool is on task when any named
// intent allows it, and an intent name the bundle does not declare allows nothing. Compiled once per bundle.

import { compileGlob } from './matchers.ts';

/** true/false: on or off task; undefined: no intent declared, so no intent check applies. */
export type IntentCheck = (intent: string, tool: string) => boolean | undefined;

export function compileIntents(intents: ReadonlyMap<string, readonly string[]>): IntentCheck {
  const byName = new Map<string, (tool: string) => boolean>();
  for (const [name, patterns] of intents) {
    const exact = new Set(patterns.filter((p) => !p.includes('*')));
    const globs = patterns.filter((p) => p.includes('*')).map(compileGlob);
    byName.set(name, globs.length === 0 ? (tool) => exact.has(tool) : (tool) => exact.has(tool) || globs.some((g) => g(tool)));
  }
  const one = (name: string, tool: string): boolean => byName.get(name)?.(tool) === true;
  return (intent, tool) => {
    if (intent === '') return undefined;
    if (!intent.includes('+')) return one(intent, tool);
    let from = 0;
    for (;;) {
      const plus = intent.indexOf('+', from);
      if (one(plus < 0 ? intent.slice(from) : intent.slice(from, plus), tool)) return true;
      if (plus < 0) return false;
      from = plus + 1;
    }
  };
}
