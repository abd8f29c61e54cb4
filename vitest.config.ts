import { defineConfig } from 'vitest/config';

// Unit tests run in parallel; end-to-end files start real processes and browsers, so files run
// one at a time to keep timings honest on two cores.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
