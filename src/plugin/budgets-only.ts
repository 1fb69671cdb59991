/**
 * A run with the plugin in the config and profiling off: budgets are still checked, on every run, with CPU
 * clocks alone (agent/meter.ts; no sampler, no spool, no run folder). Per project: the budgets-only setup stub
 * first in `setupFiles` (the aroundEach that judges each attempt), and the meter's preload in execArgv (it
 * reaches vitest's workers in every pool and is inherited by the workers and fork()s they start). The stub is
 * written outside node_modules for the same reason as a profiling run's (run-dir.ts: vitest re-evaluates such
 * a setup file for every test file, also with `isolate: false`).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { distFile } from './dist-path.js'
import type { ResolvedOptions } from './options.js'
import { planRun, setupOptions, setupStubSource, type PlannedRun } from './run-dir.js'
import type { InjectableConfig } from './inject.js'
import { BudgetSummaryReporter } from './budget-reporter.js'
import { gateMode } from './gate-mode.js'
import type { VitestLike } from './session.js'

const meterHookPath = (): string => distFile('agent/meter-hook.cjs')
const INSTRUMENTED = Symbol.for('vitest-profiler.budgets-instrumented')

/**
 * The stub of this run: its options, and the run a test thread creates if one of its tests needs samples (a
 * line or function budget): `lazyRun`, not on disk until then (run-dir.ts planRun / materializeRun).
 */
function writeStub(options: ResolvedOptions, lazyRun: PlannedRun, root: string): string {
  // The setup module's V8 code cache (agent/setup-loader.ts): kept across runs, beside the runs (not pruned).
  const codeCache = path.join(lazyRun.outputDir, 'cache')
  const source = setupStubSource('budget checks (profiling off)', { ...setupOptions(options, false, root), lazyRun }, codeCache)
  const dir = path.join(lazyRun.outputDir, 'bootstrap')
  const file = path.join(dir, `budgets-${lazyRun.runId}.setup.mjs`)
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(file, source)
  return file
}

/**
 * Instruments every project of a run that does not profile, and adds the budgets' closing line. The gate's code
 * is loaded only when the gate runs (a baseline to compare or to write), as the profiling session's is only
 * for a profiling run (index.ts).
 */
export async function instrumentForBudgets(vitest: VitestLike, options: ResolvedOptions, reportersReady: boolean): Promise<void> {
  const holder = vitest as unknown as Record<symbol, boolean | undefined>
  if (holder[INSTRUMENTED]) return
  holder[INSTRUMENTED] = true
  let stub: string
  let lazyRun: PlannedRun
  try {
    lazyRun = planRun(vitest.config.root, options, vitest.version)
    stub = writeStub(options, lazyRun, vitest.config.root)
  } catch (err) {
    vitest.logger.error(`vitest-profiler: budgets are not checked in this run: ${String(err)}`)
    return
  }
  const instrument = () => {
    for (const project of vitest.projects) {
      const config = project.config as InjectableConfig & { [INSTRUMENTED]?: boolean }
      if (config[INSTRUMENTED]) continue
      config[INSTRUMENTED] = true
      if (!config.setupFiles.includes(stub)) config.setupFiles = [stub, ...config.setupFiles]
      config.execArgv = [...(config.execArgv ?? []), '--require', meterHookPath()]
    }
  }
  instrument()
  vitest.onAfterSetServer?.(instrument)
  const reporter = new BudgetSummaryReporter(vitest, { run: lazyRun, stub, options })
  const added: object[] = [reporter]
  if (gateMode(vitest.config.root, options).active) {
    const { GateReporter } = await import('./gate-reporter.js')
    added.push(new GateReporter(vitest as never, options, false))
  }
  if (reportersReady && vitest.reporters) vitest.reporters.push(...added)
  else vitest.config.reporters.push(...added)
}
