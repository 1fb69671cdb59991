/**
 * Puts the agent into every thread and process of a project: execArgv `--require` reaches vitest's workers in
 * every pool (and, inherited, the worker_threads, fork()s and tinypool child_process workers they start). The
 * rest (spawn('node'), execSync, workers given their own execArgv) the agent reaches itself, by adding
 * NODE_OPTIONS to each child's env as it is created (agent/propagation.ts). Nothing goes into the project's
 * `env`: vitest hands that to every test's `process.env` and `import.meta.env`, where profiling must not show.
 */
import type { Run } from './run-dir.js'

const INSTRUMENTED = Symbol.for('vitest-profiler.instrumented')

/** The part of a vitest project config that this touches (v4 and v5 agree on these). */
export interface InjectableConfig {
  setupFiles: string[]
  execArgv?: string[]
  env?: Record<string, string | undefined>
  /** The run this config is instrumented for (its stub and bootstrap, replaced when a watch re-run starts). */
  [INSTRUMENTED]?: Pick<Run, 'runId' | 'setupPath' | 'bootstrapPath'>
}

export function instrumentConfig(config: InjectableConfig, run: Run): void {
  const previous = config[INSTRUMENTED]
  if (previous?.runId === run.runId) return
  config[INSTRUMENTED] = { runId: run.runId, setupPath: run.setupPath, bootstrapPath: run.bootstrapPath }
  // A watch re-run's new run takes the place of the last one: vitest reads both lists again for every test run
  // (execArgv per run in its pool, setupFiles in each serialized config), so its new workers get the new run.
  const setupFiles = config.setupFiles.filter((f) => f !== previous?.setupPath)
  const execArgv = [...(config.execArgv ?? [])]
  const at = previous ? execArgv.findIndex((a, i) => a === previous.bootstrapPath && execArgv[i - 1] === '--require') : -1
  if (at !== -1) execArgv.splice(at - 1, 2)
  // First, so that the window's aroundEach wraps every user setup file's hooks too.
  config.setupFiles = [run.setupPath, ...setupFiles.filter((f) => f !== run.setupPath)]
  config.execArgv = [...execArgv, '--require', run.bootstrapPath]
}
