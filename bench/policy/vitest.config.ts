import { defineConfig } from 'vitest/config';

// Unit tests of the policy benchmark (generator, oracle, emitters, timing maths): pure, no servers.
// The repository's unit project only looks under test/ and processors/, so these run with
//   npx vitest run --config bench/policy/vitest.config.ts
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['bench/policy/**/*.test.ts'],
  },
});
