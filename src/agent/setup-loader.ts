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
 * How: the source is compiled with vm.Script and the cached data of the last run, if there is one. V8 rejects
 * data from another V8 version or other flags (`cachedDataRejected`), but it checks the source only by its
 * length, so the file's name carries the bundle's size and mtime and Node's version: a rebuilt or upgraded
 * package never meets its old cache. After the first test file of a thread (its afterAll: by then the functions
 * a test runs are compiled too, and go into the data), a thread whose data was missing or rejected writes new
 * data (to a temporary file, renamed into place: test processes run in parallel). Nothing here may fail a test:
 * any error falls back to compiling without a cache, or to not writing one.
 *
 * Only in a process's main context: in vitest's vm pools a test file's globals are another realm's, so the stub
 * imports the ES module there, natively (run-dir.ts setupStubSource). The stub is sent through vite for every
 * test file: it imports nothing but node:module, and hides the ES module's path from vite's import analysis.
 */
import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { Script } from 'node:vm'
import type { BudgetSetupOptions } from '../budgets/attempt.js'

export type SetupCacheState = 'hit' | 'miss' | 'rejected'

interface SetupModule {
  installTestHooks(options: BudgetSetupOptions): Promise<void>
}

interface Loaded {
  module: SetupModule
  state: SetupCacheState
  script: Script
  cacheFile: string
  /** The data was written by this thread (or did not need to be). */
  settled: boolean
}

const LOADED = Symbol.for('vitest-profiler.setup-module')
/** On `process` (per thread): how this thread's setup module was compiled (the integration test reads it). */
export const SETUP_CACHE_STATE = Symbol.for('vitest-profiler.setup-cache')

const setupFile = path.join(__dirname, 'setup.cjs')

function cacheFileFor(cacheDir: string): string {
  const st = fs.statSync(setupFile)
  return path.join(cacheDir, `setup.cjs-${st.size}-${Math.floor(st.mtimeMs)}-${process.version}-${process.arch}.v8`)
}

/** The module's source compiled, with the cached data if there is some (not yet run). */
function compile(cacheFile: string): Omit<Loaded, 'module'> {
  const source = fs.readFileSync(setupFile, 'utf8')
  let cachedData: Buffer | undefined
  try {
    cachedData = fs.readFileSync(cacheFile)
  } catch {}
  // The CommonJS wrapper, as Node's own: the bundle's `require("vitest")` is given vitest's instance (loadSetup).
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: setupFile,
    ...(cachedData ? { cachedData } : {}),
  })
  const state: SetupCacheState = !cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit'
  return { state, script, cacheFile, settled: state === 'hit' }
}

/** Writes the thread's compiled code for the next run (once per thread, when its data was missing or stale). */
function persist(loaded: Loaded): void {
  if (loaded.settled) return
  loaded.settled = true
  try {
    const data = loaded.script.createCachedData()
    const dir = path.dirname(loaded.cacheFile)
    fs.mkdirSync(dir, { recursive: true })
    const tmp = `${loaded.cacheFile}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`
    fs.writeFileSync(tmp, data)
    fs.renameSync(tmp, loaded.cacheFile)
    // The data of older builds: never read again.
    const own = path.basename(loaded.cacheFile)
    for (const f of fs.readdirSync(dir)) if (f.startsWith('setup.cjs-') && f.endsWith('.v8') && f !== own) fs.rmSync(path.join(dir, f), { force: true })
  } catch {}
}

/**
 * The setup module for this thread (evaluated once per thread, as a natively imported module is), compiled
 * through the code cache in `cacheDir`; null in another realm than the process's main context: in vitest's vm
 * pools, whose own `createRequire` evaluates this file inside the test file's context, where the stub then
 * imports the ES module. Its `vitest` is imported natively from here, as the ES module imports it: the instance
 * vitest's runner and the test files use.
 */
export async function loadSetup(cacheDir: string): Promise<SetupModule | null> {
  if (new Script('Object').runInThisContext() !== Object) return null
  const holder = process as unknown as Record<symbol, Loaded | undefined>
  let loaded = holder[LOADED]
  // Once its data is written (or was read), a thread's later test files need nothing but the module.
  if (loaded?.settled) return loaded.module
  const vitest = (await import('vitest')) as unknown as { afterAll(fn: () => void): void }
  if (!loaded) {
    const compiled = compile(cacheFileFor(cacheDir))
    const nodeRequire = createRequire(setupFile)
    const mod = { exports: {} as SetupModule }
    const run = compiled.script.runInThisContext() as (e: unknown, r: (id: string) => unknown, m: unknown, f: string, d: string) => void
    run(mod.exports, (id) => (id === 'vitest' ? vitest : nodeRequire(id)), mod, setupFile, path.dirname(setupFile))
    loaded = { ...compiled, module: mod.exports }
    holder[LOADED] = loaded
    ;(process as unknown as Record<symbol, SetupCacheState>)[SETUP_CACHE_STATE] = loaded.state
  }
  const current = loaded
  if (!current.settled) vitest.afterAll(() => persist(current))
  return current.module
}
