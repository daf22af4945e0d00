// How an `arbiter` command reports a failure: one line that starts with a stable code and says what was wrong and
// where, never a stack trace for a user's mistake. Exit codes: 2 for usage, configuration and unreadable input (the
// user can fix the command line or environment), 1 for everything else.
import { ArbiterError, type ErrorCode } from '../core/errors.ts';

const USER_FIXABLE: ReadonlySet<ErrorCode> = new Set(['ARB_CLI_USAGE', 'ARB_CLI_INPUT_UNREADABLE', 'ARB_CONFIG_INVALID', 'ARB_APPROVAL_USAGE']);

const FS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory, a file was expected',
  ENOTDIR: 'a directory was expected',
  EEXIST: 'already exists (not overwritten)',
};

/** A file-system error from reading what the user named (node:fs sets code and path). */
function fsError(e: unknown): { reason: string; path: string } | undefined {
  const { code, path } = (e ?? {}) as { code?: unknown; path?: unknown };
  if (typeof code !== 'string' || typeof path !== 'string') return undefined;
  const reason = FS_REASONS[code];
  return reason === undefined ? undefined : { reason, path };
}

/** The three clients' words for brokers that cannot be reached (platformatic, kafkajs, librdkafka) and Node's. */
const UNREACHABLE = /metadata failed|listing topics failed|connection (?:error|failed|refused|closed)|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|all brokers? down|broker transport failure/i;

/** A Kafka client's own error ("metadata failed 4 times") does not say which servers; this one does. Other errors
 *  pass through unchanged (an ArbiterError, or a failure that is not about reaching the brokers). */
export function kafkaUnreachable(e: unknown, brokers: readonly string[]): unknown {
  if (e instanceof ArbiterError || !(e instanceof Error) || !UNREACHABLE.test(e.message)) return e;
  return new ArbiterError('ARB_STACK_UNAVAILABLE', `Kafka at ${brokers.join(',')} did not answer: ${e.message}`, { key: 'KAFKA_BROKERS' });
}

export function usageError(message: string): ArbiterError {
  return new ArbiterError('ARB_CLI_USAGE', message);
}

/** The code a failure is reported with. */
export function failureCode(e: unknown): ErrorCode {
  if (e instanceof ArbiterError) return e.code;
  return fsError(e) === undefined ? 'ARB_CLI_FAILED' : 'ARB_CLI_INPUT_UNREADABLE';
}

export function failureExitCode(e: unknown): number {
  return USER_FIXABLE.has(failureCode(e)) ? 2 : 1;
}

/** The text printed for a failure of `arbiter <command>`; the stack only with ARBITER_DEBUG=1. */
export function failureText(e: unknown, command: string, env: NodeJS.ProcessEnv = process.env): string {
  const debug = env['ARBITER_DEBUG'] === '1' && e instanceof Error && e.stack !== undefined ? `\n${e.stack}` : '';
  if (e instanceof ArbiterError) return `${e.message}${debug}`;
  const fs = fsError(e);
  if (fs !== undefined) return `ARB_CLI_INPUT_UNREADABLE: arbiter ${command}: ${fs.path}: ${fs.reason}${debug}`;
  const message = e instanceof Error ? e.message : String(e);
  return `ARB_CLI_FAILED: arbiter ${command}: ${message}${debug || ' (ARBITER_DEBUG=1 prints the stack)'}`;
}
