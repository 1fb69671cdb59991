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
  [INSTRUMENTED]?: string
}

export function instrumentConfig(config: InjectableConfig, run: Run): void {
  if (config[INSTRUMENTED] === run.runId) return
  config[INSTRUMENTED] = run.runId
  const setup = run.setupPath
  // First, so that the window's aroundEach wraps every user setup file's hooks too.
  if (!config.setupFiles.includes(setup)) config.setupFiles = [setup, ...config.setupFiles]
  config.execArgv = [...(config.execArgv ?? []), '--require', run.bootstrapPath]
}
