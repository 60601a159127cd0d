import { defineConfig } from 'vitest/config'

/** Where the CI run (`.ci/run`) reads the results from. */
const CI_RESULTS_FILE = '.ci/results.json'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    // Each test file isolates itself (own schema, own Redis namespace), so files run in parallel.
    pool: 'forks',
    fileParallelism: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 60_000,
    reporters: process.env.CI ? ['default', ['json', { outputFile: CI_RESULTS_FILE }]] : ['default'],
  },
})
