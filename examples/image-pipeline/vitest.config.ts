import { defineConfig } from 'vitest/config'

// A small image pipeline: thumbnails made in a tinypool pool (src/resize.worker.mjs) and a PPM parser in the
// test thread. No package.json of its own: vitest, tinypool and vitest-profiler resolve from the repo root's
// node_modules. Profile it with `npm run example` (= `vitest-profile run --root examples/image-pipeline`).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
})
