// extractNamedValues(text): the names and quoted values a piece of content puts forward — 'quoted strings' and
// Title Case names of two or more words ("Riverside View Hotel"). They are what an injected instruction tells the
// agent to use as the thing an action acts on (which hotel, which event title, which file id). The SDK runs it
// over tool outputs to fill ToolCallResult.valuesSeen (and over the user's prompt for trusted input); the session
// fold remembers where each value was first seen, as it does for destinations. Linear-time RE2 patterns; pure.
// normalizeValue() is the comparison key: case, surrounding punctuation and runs of white space do not count.

import { RE2JS } from 're2js';

const QUOTED = RE2JS.compile(String.raw`'([^'\n]{1,120})'|"([^"\n]{1,120})"|‘([^’\n]{1,120})’|“([^”\n]{1,120})”`);
const TITLE_CASE = RE2JS.compile(String.raw`\b[A-Z][A-Za-z0-9&'-]*(?:[ \t]+[A-Z][A-Za-z0-9&'-]*)+`);

/** The comparison key of a value: lower case, white space collapsed, surrounding punctuation and quotes removed. */
export function normalizeValue(v: string): string {
  return v.toLowerCase().replace(/\s+/g, ' ').replace(/^[\s"'‘’“”.,;:!?()]+|[\s"'‘’“”.,;:!?()]+$/g, '');
}

/** Distinct normalized values in order of first appearance; empty ones are dropped. */
export function extractNamedValues(text: string): string[] {
  const found: string[] = [];
  const q = QUOTED.matcher(text);
  while (q.find()) found.push(q.group(1) ?? q.group(2) ?? q.group(3) ?? q.group(4) ?? '');
  const t = TITLE_CASE.matcher(text);
  while (t.find()) found.push(t.group(0) as string);
  return [...new Set(found.map(normalizeValue).filter((v) => v !== ''))];
}
