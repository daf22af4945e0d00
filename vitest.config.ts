import { defineConfig } from 'vitest/config';

// Test kinds are told apart by file name:
//   *.test.ts      unit: pure logic, no I/O, no servers
//   *.int.test.ts  integration: real Kafka, real schema registry, real ClickHouse (chDB or server)
//   *.e2e.test.ts  end to end: processes started as a user would, over real connections
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'processors/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/*.e2e.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'int',
          include: ['test/**/*.int.test.ts', 'test/**/*.e2e.test.ts'],
          globalSetup: ['test/setup/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
