/**
 * Puts the agent into every thread and process of a project: execArgv `--require` reaches vitest's workers,
 * worker_threads, fork() and tinypool's child_process runtime; env NODE_OPTIONS reaches spawn('node') (and
 * fork() and worker threads too). Both together reach every case in every pool (PLATFORM-FACTS.md table).
 */
import type { Run } from './run-dir.js'
import { setupFilePath } from './run-dir.js'

const INSTRUMENTED = Symbol.for('vitest-profiler.instrumented')

/** The part of a vitest project config that this touches (v4 and v5 agree on these). */
export interface InjectableConfig {
  setupFiles: string[]
  execArgv?: string[]
  env?: Record<string, string | undefined>
  [INSTRUMENTED]?: string
}

/** Read by the setup file (agent/setup.ts): run a file's concurrent tests one at a time. */
export const SERIALIZE_ENV = 'VITEST_PROFILER_SERIALIZE_CONCURRENT'

export function instrumentConfig(config: InjectableConfig, run: Run, options: { serializeConcurrent: boolean }): void {
  if (config[INSTRUMENTED] === run.runId) return
  config[INSTRUMENTED] = run.runId
  const setup = setupFilePath()
  // First, so that the window's aroundEach wraps every user setup file's hooks too.
  if (!config.setupFiles.includes(setup)) config.setupFiles = [setup, ...config.setupFiles]
  config.execArgv = [...(config.execArgv ?? []), '--require', run.bootstrapPath]
  const env = (config.env ??= {})
  const inherited = env.NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? ''
  env.NODE_OPTIONS = `${inherited} --require ${quoteForNodeOptions(run.bootstrapPath)}`.trim()
  if (options.serializeConcurrent) env[SERIALIZE_ENV] = '1'
}

/** NODE_OPTIONS splits on spaces but honours double quotes (with backslash escapes inside them). */
export function quoteForNodeOptions(p: string): string {
  return /[\s"\\]/.test(p) ? `"${p.replace(/(["\\])/g, '\\$1')}"` : p
}
