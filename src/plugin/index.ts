/**
 * The Vitest plugin. In the main process it decides whether this run profiles, then starts one ProfileSession
 * per vitest instance: the run directory, the instrumentation of every project, and the reporter.
 *
 * Two ways in, because neither reaches every config:
 * - `configureVitest` runs for the plugins of each *project*. With `test.projects`, a plugin in the root config
 *   is not part of any project (unless an inline project `extends` the root), so it never runs there.
 * - For that case the `config` hook adds a small reporter whose `onInit(vitest)` runs at the start of every
 *   run, before any pool starts (vitest's `start()` reports onInit before it collects specifications).
 */
import type { Plugin } from 'vite'
import { resolveOptions, type ProfilerOptions, type ResolvedOptions } from './options.js'
import { DISABLED_BY_CONFIG, isProfilingOn } from './activation.js'
import type { VitestLike } from './session.js'
import { instrumentForBudgets } from './budgets-only.js'
import { withCliOptions } from './cli-flags.js'
import { ignoreOutputDir } from './watch-ignore.js'

export type { ProfilerOptions } from './options.js'

const SESSION = Symbol.for('vitest-profiler.session')

/**
 * The profiling session's code (the run folder, attribution, every report: most of this package) is loaded only
 * when a run profiles: importing all of it cost a budgets-only run about 17 ms of compilation in vitest's
 * process (bench/meter-cost.mjs). vitest awaits configureVitest and reporters' onInit, so the import is done
 * before any pool starts.
 */
async function ensureSession(vitest: VitestLike, options: ResolvedOptions, reportersReady: boolean): Promise<void> {
  const holder = vitest as unknown as Record<symbol, unknown>
  if (holder[SESSION]) return
  holder[SESSION] = true
  const { ProfileSession } = await import('./session.js')
  holder[SESSION] = ProfileSession.attach(vitest, options, reportersReady)
}

export default function profiler(options?: ProfilerOptions): Plugin {
  // `vitest-profile --profiler.interval 1000` and the like win over the config's options (cli-flags.ts).
  const resolved: ResolvedOptions = resolveOptions(withCliOptions(options))
  let on = false
  return {
    name: 'vitest-profiler',
    config(viteConfig, env) {
      if (resolved.enabled === false) (globalThis as Record<symbol, unknown>)[DISABLED_BY_CONFIG] = true
      on = isProfilingOn({ enabled: resolved.enabled, mode: env.mode, argv: process.argv, env: process.env })
      // Our files must not trigger watch-mode re-runs (watch-ignore.ts).
      const ignore = ignoreOutputDir(viteConfig as Parameters<typeof ignoreOutputDir>[0], resolved.outputDir)
      const test = (viteConfig as { test?: { projects?: unknown; reporters?: unknown } }).test
      if (!test?.projects) return ignore
      // Keep vitest's defaults: an explicit reporters list replaces them (vitest's resolveConfig).
      const existing = test.reporters === undefined ? defaultReporters() : Array.isArray(test.reporters) ? test.reporters : [test.reporters]
      const init = on ? (vitest: VitestLike) => ensureSession(vitest, resolved, true) : (vitest: VitestLike) => instrumentForBudgets(vitest, resolved, true)
      test.reporters = [...existing, { onInit: init }]
      return ignore
    },
    // @ts-expect-error: configureVitest is vitest's hook, unknown to vite's Plugin type.
    async configureVitest({ vitest }: { vitest: VitestLike }) {
      // Profiling off: budgets are still checked, with CPU clocks alone.
      if (on) await ensureSession(vitest, resolved, false)
      else await instrumentForBudgets(vitest, resolved, false)
    },
  }
}

function defaultReporters(): unknown[] {
  return process.env.GITHUB_ACTIONS === 'true' ? ['default', 'github-actions'] : ['default']
}

