/**
 * The preload of a budgets-only run (plugin in the config, profiling off): `--require`d through execArgv into
 * vitest's workers, and inherited by the worker threads and fork()ed children they start. It installs the
 * budget meter (meter.ts) and nothing else: no sampler, no spool, no timer on Linux, nothing in any env.
 */
import { installMeter } from './meter.js'

try {
  // The bundle's own file: what fork()ed children are started without (meter.ts, withoutPreload).
  installMeter({ preloadFile: __filename })
} catch {
  // Measuring must never break the code under test; a test with a budget then reports what it could measure.
}

// For bench/budgets.mjs (the meter's cost per test, measured in-process): `require('dist/agent/meter.cjs')`.
export { mark, measureSince } from './meter.js'
