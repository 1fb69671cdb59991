import { defineConfig } from 'vitest/config'

// The project's own tests. Integration tests start real vitest runs on fixtures/ in child processes, so they
// are slow and share 2 cores: generous timeouts, and at most 2 test files at once.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
  },
})
