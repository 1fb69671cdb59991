/**
 * The names the meter's parts share across bundles (meter.ts, and the budgets-only preload meter-hook.ts, which
 * must stay small: it is loaded into every thread of a budgets-only run).
 */

/** Environment data: the threadId of the thread that created this worker, set by every thread with the meter. */
export const CREATOR_KEY = 'vitest-profiler.meter-creator'

/**
 * On `process`: the file of the budgets-only preload, when that is how this thread was started. The meter takes
 * it out of a fork()ed child's execArgv (meter.ts, withoutPreload).
 */
export const HOOK_FILE = Symbol.for('vitest-profiler.meter-hook-file')
