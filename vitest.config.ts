import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The operator scripts run the compiled CLI: build it once, not once per sandbox.
    globalSetup: ['test/buildOnce.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end suites spawn daemons; two workers match CI's two cores.
    maxWorkers: 2,
  },
});
