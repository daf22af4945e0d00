// The ArbiterError an async call fails with; any other outcome (success, another kind of error) fails the test.
import { ArbiterError } from '../../../processors/core/errors.ts';

export async function errorOf(work: () => Promise<unknown>): Promise<ArbiterError> {
  try {
    await work();
  } catch (error) {
    if (error instanceof ArbiterError) return error;
    throw error;
  }
  throw new Error('expected a failure, the call succeeded');
}
