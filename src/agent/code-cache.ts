/**
 * One of our CommonJS bundles compiled through a V8 code cache kept on disk (setup-loader.ts: the budgets
 * setup module). The cached data replaces V8's parse and compile of the bundle in every thread that loads it.
 *
 * The data holds only the functions that were compiled when it was made. V8 compiles lazily, so data made
 * after one thread ran the module lacks every function that thread did not call, and another thread calling
 * one parses and compiles it then. So data is made from an eager compile: V8's `--lazy` flag turned off
 * around the one compile of a miss, then on again, as bytenode does for the same reason. V8 reads the flag
 * only while it compiles; the flag hash it stamps into cached data is the restored one, so the data is
 * accepted by a default process (test/integration/code-cache.test.ts: a hit parses none of the bundle's
 * functions, per V8's own log). On the overhead bench this moved the instruction ratio by less than its
 * noise: the functions a lazy cache left out were few. A process started with `--no-lazy` already compiles
 * eagerly and is left alone.
 *
 * V8 rejects data from another V8 version or other flags (`cachedDataRejected`), but it checks the source
 * only by its length, so the file's name carries the bundle's size and mtime and Node's version and arch: a
 * rebuilt or upgraded package never meets its old cache. Written to a temporary file and renamed into place
 * (threads and processes race to write it). Nothing here may fail a test: errors fall back to compiling
 * without a cache, or to not writing one.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { Script } from 'node:vm'

export type CodeCacheState = 'hit' | 'miss' | 'rejected'

export interface CachedScript {
  state: CodeCacheState
  /** Evaluates to the module's CommonJS wrapper: `(exports, require, module, __filename, __dirname) => void`. */
  script: Script
  /** What the data to write is made from: the script itself after a miss, an eager twin after a rejection. */
  dataFrom: Script | null
  sourceFile: string
  cacheFile: string
}

export function cacheFileFor(cacheDir: string, sourceFile: string): string {
  const st = fs.statSync(sourceFile)
  const name = path.basename(sourceFile)
  return path.join(cacheDir, `${name}-${st.size}-${Math.floor(st.mtimeMs)}-${process.version}-${process.arch}.v8`)
}

const alreadyEager = (): boolean =>
  [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a === '--no-lazy' || a === '--lazy=false')

/** All of the source's functions compiled now (so that data made from the script holds every one). */
function compileEagerly(wrapped: string, filename: string): Script {
  const toggled = !alreadyEager() && setLazy(false)
  try {
    return new Script(wrapped, { filename })
  } finally {
    if (toggled) setLazy(true)
  }
}

function setLazy(on: boolean): boolean {
  try {
    setFlagsFromString(on ? '--lazy' : '--no-lazy')
    return true
  } catch {
    return false
  }
}

/** The bundle compiled (not run) with the data in `cacheFile`, or eagerly when there is none or V8 rejects it. */
export function compileCached(sourceFile: string, cacheFile: string): CachedScript {
  const source = fs.readFileSync(sourceFile, 'utf8')
  // The CommonJS wrapper, as Node's own.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`
  let cachedData: Buffer | undefined
  try {
    cachedData = fs.readFileSync(cacheFile)
  } catch {}
  if (cachedData) {
    const script = new Script(wrapped, { filename: sourceFile, cachedData })
    if (!script.cachedDataRejected) return { state: 'hit', script, dataFrom: null, sourceFile, cacheFile }
    // V8 has compiled the source lazily for that script, and keeps the result in the isolate's compilation
    // cache, keyed by source and name: an eager compile under the same name gets the lazy functions back. So
    // the data comes from an eager compile under another name (V8 does not check the name when it reads data),
    // and the script that runs is the one compiled already.
    return { state: 'rejected', script, dataFrom: compileEagerly(wrapped, `${sourceFile} (code cache)`), sourceFile, cacheFile }
  }
  const script = compileEagerly(wrapped, sourceFile)
  return { state: 'miss', script, dataFrom: script, sourceFile, cacheFile }
}

/** Runs the compiled wrapper as the CommonJS module `sourceFile` and returns its exports. */
export function runCached<T>(compiled: CachedScript, requireFn: (id: string) => unknown): T {
  const mod = { exports: {} as T }
  const run = compiled.script.runInThisContext() as (e: unknown, r: (id: string) => unknown, m: unknown, f: string, d: string) => void
  run(mod.exports, requireFn, mod, compiled.sourceFile, path.dirname(compiled.sourceFile))
  return mod.exports
}

/** Writes the script's data for the next process (once, after a miss or a rejection); stale builds' data removed. */
export function persistCache(compiled: CachedScript): void {
  if (!compiled.dataFrom) return
  try {
    const data = compiled.dataFrom.createCachedData()
    const dir = path.dirname(compiled.cacheFile)
    fs.mkdirSync(dir, { recursive: true })
    const tmp = `${compiled.cacheFile}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`
    fs.writeFileSync(tmp, data)
    fs.renameSync(tmp, compiled.cacheFile)
    // Data of older builds of the same bundle: never read again.
    const own = path.basename(compiled.cacheFile)
    const prefix = `${path.basename(compiled.sourceFile)}-`
    for (const f of fs.readdirSync(dir)) if (f.startsWith(prefix) && f.endsWith('.v8') && f !== own) fs.rmSync(path.join(dir, f), { force: true })
  } catch {}
}
