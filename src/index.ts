/** vitest-profiler: the plugin (default export) and its public types. */
export { default, type ProfilerOptions } from './plugin/index.js'
// Also what brings types.ts, and with it its `declare module 'vitest'` (typed `meta: { budget }`), into every
// program that imports the plugin: dist/index.d.ts re-exports from dist/budgets/types.d.ts.
export type { Budget, CpuBudget, Duration, Share } from './budgets/types.js'
export type { BlockBudget } from './budgets/matcher.js'
