/// <reference types="vitest" preserve="true" />
// The reference above (kept in the emitted .d.ts by `preserve`) puts vitest's declarations before this file in
// every program that loads it. TypeScript merges the augmentation below into vitest's re-exported TaskMeta only
// when vitest's files come first: with this file first (a user's `import { type Budget } from 'vitest-profiler'`
// above `import { test } from 'vitest'`), the augmentation was silently lost and `meta: { budget }` failed to
// compile (test/types/budget-import-order.test-d.ts).
/**
 * The public budget schema: what a user writes in `meta: { budget }` of a test or describe, in a tag's `meta`,
 * or as the plugin's `budget` option. Shipped in the package's types (src/index.ts re-exports them), and the
 * `declare module 'vitest'` below makes `meta.budget` type-checked wherever the plugin is imported.
 *
 * The template types catch typos at compile time; parse.ts checks the same rules at run time (values coming
 * from JavaScript configs, tags or `as any` never went through the compiler) and names what is accepted.
 */

/** A duration: a number of milliseconds, or a string '250ms' / '1.5s'. */
export type Duration = number | `${number}ms` | `${number}s`

/** A share of the test's CPU: '20%'. */
export type Share = `${number}%`

/**
 * CPU split by where it ran. `total` is the spelled-out form of `cpu: '100ms'`; each of the three is its own
 * limit, so a describe's `cpu: '100ms'` and a test's `cpu: { main: '50ms' }` both apply to that test.
 */
export interface CpuBudget {
  /** On-CPU time over every thread and process the test ran code in (same as `cpu: <duration>`). */
  total?: Duration
  /** On-CPU time of the test's own thread. */
  main?: Duration
  /** On-CPU time of the workers and processes the test started, attributed to its window. */
  workers?: Duration
}

export interface Budget {
  /** On-CPU time of the test over every thread and process it ran code in; or the split main / workers. */
  cpu?: Duration | CpuBudget
  /** Wall time of the test, hooks included. */
  wall?: Duration
  /** Per source line 'src/parse.ts:42' (path relative to the project root): a duration (self CPU of that line) or a share of the test's CPU. */
  lines?: Record<string, Duration | Share>
  /** Per function name: a duration (total CPU of the function) or a share. */
  functions?: Record<string, Duration | Share>
  /** Below this many samples a line/function figure is inconclusive. Default: the plugin's minSamples (20). */
  minSamples?: number
  /** Inconclusive verdicts and cpu figures whose error bound straddles the budget fail too. */
  strict?: boolean
  /** The regression gate's tolerance for this test: how far over its baseline its CPU may go ('25%'). */
  regression?: Share
}

// Augments 'vitest', not '@vitest/runner': vitest re-exports TaskMeta, and augmenting the runner package by
// name fails on vitest 5, where it is bundled differently (PLATFORM-FACTS.md). `meta` of test and describe
// options is `Partial<TaskMeta>`, so this types `test('x', { meta: { budget } }, fn)` too.
declare module 'vitest' {
  interface TaskMeta {
    /** This test's (or describe's) performance budget; deep-merged over the enclosing describes' and tags'. */
    budget?: Budget
  }
}
