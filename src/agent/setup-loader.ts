/**
 * The budgets-only setup module (setup.ts, bundled also as CommonJS: dist/agent/setup.cjs) compiled through a
 * V8 code cache kept in the run's output folder (dist/agent/setup-loader.cjs; the setup stub calls it).
 *
 * Why: in a budgets-only run, most of what the plugin costs a test process is V8 parsing and compiling that
 * module (46 KB): of the 200 M instructions the plugin added to the overhead suite's three test processes, the
 * parser and the compilers took half (bench/budgets-instructions.mjs, which splits them out). Node's own compile
 * cache (module.enableCompileCache, Node 22.1+) would cache the user's modules too, and changing how fast the
 * code under test loads is not ours to do; a code cache of our one file is.
 *
 * How: agent/code-cache.ts compiles the bundle with the data the last run wrote, or, on a miss (or data V8
 * rejects), eagerly, and writes that at once for the next run: every function is in it, also those this
 * thread never calls but another test process does.
 *
 * Only in a process's main context: in vitest's vm pools a test file's globals are another realm's, so the stub
 * imports the ES module there, natively (run-dir.ts setupStubSource). The stub is sent through vite for every
 * test file: it imports nothing but node:module, and hides the ES module's path from vite's import analysis.
 */
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { Script } from 'node:vm'
import type { BudgetSetupOptions } from '../budgets/attempt.js'
import { cacheFileFor, compileCached, persistCache, runCached, type CodeCacheState } from './code-cache.js'

export type SetupCacheState = CodeCacheState

interface SetupModule {
  installTestHooks(options: BudgetSetupOptions): Promise<void>
}

const LOADED = Symbol.for('vitest-profiler.setup-module')
/** On `process` (per thread): how this thread's setup module was compiled (the integration test reads it). */
export const SETUP_CACHE_STATE = Symbol.for('vitest-profiler.setup-cache')

const setupFile = path.join(__dirname, 'setup.cjs')

/**
 * The setup module for this thread (evaluated once per thread, as a natively imported module is), compiled
 * through the code cache in `cacheDir`; null in another realm than the process's main context: in vitest's vm
 * pools, whose own `createRequire` evaluates this file inside the test file's context, where the stub then
 * imports the ES module. Its `vitest` is imported natively from here, as the ES module imports it: the instance
 * vitest's runner and the test files use.
 */
export async function loadSetup(cacheDir: string): Promise<SetupModule | null> {
  if (new Script('Object').runInThisContext() !== Object) return null
  const holder = process as unknown as Record<symbol, SetupModule | undefined>
  const loaded = holder[LOADED]
  if (loaded) return loaded
  const vitest = await import('vitest')
  const compiled = compileCached(setupFile, cacheFileFor(cacheDir, setupFile))
  // Compiled eagerly on a miss (code-cache.ts): the data holds every function already, before any has run.
  persistCache(compiled)
  const nodeRequire = createRequire(setupFile)
  // The bundle's `require("vitest")` is given vitest's instance.
  const module = runCached<SetupModule>(compiled, (id) => (id === 'vitest' ? vitest : nodeRequire(id)))
  holder[LOADED] = module
  ;(process as unknown as Record<symbol, SetupCacheState>)[SETUP_CACHE_STATE] = compiled.state
  return module
}

// For test/integration/code-cache.test.ts, which runs each compile in a fresh process (V8 keeps what an
// isolate compiled, and answers a second compile of the same source from that, whatever its cached data).
export { cacheFileFor, compileCached, persistCache, runCached } from './code-cache.js'
