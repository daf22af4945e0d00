// How `arbiter` reports a failing command: a coded line, the right exit code, a stack only when asked for.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../../processors/core/errors.ts';
import { failureCode, failureExitCode, failureText, kafkaUnreachable, usageError } from '../../../processors/cli/failure.ts';

const fsFailure = (): unknown => {
  try {
    readFileSync('/no/such/arbiter-file.yaml');
  } catch (e) {
    return e;
  }
  throw new Error('the file exists');
};

describe('arbiter failure reports', () => {
  it('an ArbiterError keeps its code and message; usage and configuration errors exit 2, the rest 1', () => {
    expect(failureText(usageError('arbiter x needs FILE'), 'x', {})).toBe('ARB_CLI_USAGE: arbiter x needs FILE');
    expect(failureExitCode(usageError('u'))).toBe(2);
    expect(failureExitCode(new ArbiterError('ARB_CONFIG_INVALID', 'bad', { key: 'KAFKA_BROKERS' }))).toBe(2);
    expect(failureExitCode(new ArbiterError('ARB_SERDE_REGISTRY_UNAVAILABLE', 'down'))).toBe(1);
  });

  it('a file-system error names the path and the reason under ARB_CLI_INPUT_UNREADABLE, without a stack', () => {
    const e = fsFailure();
    expect(failureCode(e)).toBe('ARB_CLI_INPUT_UNREADABLE');
    expect(failureExitCode(e)).toBe(2);
    expect(failureText(e, 'policy check', {})).toBe('ARB_CLI_INPUT_UNREADABLE: arbiter policy check: /no/such/arbiter-file.yaml: no such file or directory');
  });

  it('an unexpected error is ARB_CLI_FAILED with its message; the stack only with ARBITER_DEBUG=1', () => {
    const e = new TypeError('x is not a function');
    expect(failureCode(e)).toBe('ARB_CLI_FAILED');
    expect(failureExitCode(e)).toBe(1);
    expect(failureText(e, 'verify', {})).toBe('ARB_CLI_FAILED: arbiter verify: x is not a function (ARBITER_DEBUG=1 prints the stack)');
    expect(failureText(e, 'verify', { ARBITER_DEBUG: '1' })).toMatch(/^ARB_CLI_FAILED: arbiter verify: x is not a function\nTypeError: x is not a function\n {4}at /);
    expect(failureText('a string', 'eval', {})).toBe('ARB_CLI_FAILED: arbiter eval: a string (ARBITER_DEBUG=1 prints the stack)');
  });

  it('a Kafka client\'s cannot-reach error becomes ARB_STACK_UNAVAILABLE naming the brokers; other errors pass through', () => {
    expect((kafkaUnreachable(new Error('metadata failed 4 times.'), ['k1:9092', 'k2:9092']) as Error).message)
      .toBe('ARB_STACK_UNAVAILABLE: Kafka at k1:9092,k2:9092 did not answer: metadata failed 4 times. (at KAFKA_BROKERS)');
    expect((kafkaUnreachable(new Error('Listing topics failed.'), ['k1:9092']) as Error).message).toMatch(/^ARB_STACK_UNAVAILABLE: /);
    const own = usageError('x');
    expect(kafkaUnreachable(own, ['k1:9092'])).toBe(own);
    const other = new TypeError('x is not a function'); // not about reaching the brokers: stays ARB_CLI_FAILED
    expect(kafkaUnreachable(other, ['k1:9092'])).toBe(other);
  });
});
