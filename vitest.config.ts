import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'reference/**/*.test.ts',
      'scenarios/**/*.test.ts',
      'test/**/*.test.ts',
      // Every bench also runs at a tiny size (bench/*.test.ts), so that none rots.
      'bench/**/*.test.ts',
    ],
    // Integration tests start real servers; two workers match the 2-core machines we run on.
    maxWorkers: 2,
    reporters: ['default', './scripts/closing-line-reporter.ts'],
    // Safety net: stops any stack a test left behind (e.g. after Ctrl-C).
    globalSetup: ['./scripts/test-global-setup.ts'],
    testTimeout: 30_000,
    // Parallel test files each start their own stack: take ports from the OS, never the defaults.
    env: { SLO_HARNESS_PORTS: 'ephemeral' },
    hookTimeout: 600_000,
  },
});
