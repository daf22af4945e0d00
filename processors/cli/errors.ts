// `arbiter errors [CODE|TEXT...] [--markdown]`: what an error code means and where to read more. Arguments may be
// codes in any case or whole pasted error lines (every ARB_... in them is looked up). Without arguments it lists
// every code; --markdown prints docs/errors.md. Exit code: 0, or 2 when a code is not in the catalogue.
import { parseArgs } from 'node:util';
import { ERROR_CATALOGUE } from '../core/errors.ts';
import { ALL_CODES, describeCode, groupedCodes, isErrorCode, renderErrorReference } from './error-reference.ts';
import { usageError } from './failure.ts';

type Out = (s: string) => void;

export const ERRORS_USAGE = `usage: arbiter errors [CODE|ERROR-LINE...] [--markdown]
  CODE           e.g. ARB_APPROVAL_EXPIRED (any case); a pasted error line works too
  (no argument)  every code, grouped, with its meaning
  --markdown     the reference as Markdown (the content of docs/errors.md)`;

/** Close names for a code not in the catalogue: the codes sharing its longest leading words. */
export function closeCodes(wanted: string): string[] {
  const words = wanted.split('_');
  for (let n = words.length - 1; n >= 2; n--) {
    const prefix = `${words.slice(0, n).join('_')}_`;
    const found = ALL_CODES.filter((c) => c.startsWith(prefix));
    if (found.length > 0) return found.slice(0, 8);
  }
  return [];
}

export async function main(argv: readonly string[], out: Out = (s) => process.stdout.write(`${s}\n`)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { markdown: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    throw usageError(`arbiter errors: ${(e as Error).message}\n${ERRORS_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(ERRORS_USAGE);
    return 0;
  }
  if (values.markdown) {
    out(renderErrorReference().trimEnd());
    return 0;
  }
  if (positionals.length === 0) {
    for (const { group, codes } of groupedCodes()) {
      out(`${group.title}`);
      for (const code of codes) out(`  ${code.padEnd(38)} ${ERROR_CATALOGUE[code].summary}`);
    }
    return 0;
  }
  const wanted = positionals.flatMap((p) => {
    const inText = p.match(/\bARB_[A-Z0-9_]+/gi);
    return inText === null ? [p.toUpperCase()] : inText.map((c) => c.toUpperCase());
  });
  const unknown: string[] = [];
  for (const code of wanted) {
    if (isErrorCode(code)) out(describeCode(code));
    else unknown.push(code);
  }
  if (unknown.length === 0) return 0;
  const hints = unknown.map((u) => {
    const close = closeCodes(u);
    return `${u} is not an Arbiter error code${close.length > 0 ? ` (close: ${close.join(', ')})` : ''}`;
  });
  throw usageError(`arbiter errors: ${hints.join('; ')}; \`arbiter errors\` lists them all`);
}
