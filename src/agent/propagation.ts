/**
 * How the agent reaches the threads and processes a thread creates, without changing what any of them sees in
 * `process.env` (issue: a test asserting that `new Worker(f, { env: { A: '1' } })` sees exactly `{ A: '1' }`
 * failed under profiling, because the agent published its lineage in the env).
 *
 * Nothing of ours is ever written into a thread's own `process.env`. Instead, at the moment a child is created,
 * its env alone gets two additions:
 * - `NODE_OPTIONS` gains `--require <bootstrap>`, so that a `spawn('node')`, an `execSync('node …')` or a worker
 *   started with its own `execArgv` loads the agent (execArgv alone does not reach those, PLATFORM-FACTS.md);
 * - `VITEST_PROFILER_CHILD` carries the creator's lineage and the child's own NODE_OPTIONS as the caller gave it.
 * The child's agent, first thing at its start (before any user code: it is a preload), takes both back out:
 * NODE_OPTIONS returns to exactly what the caller passed (or is deleted if the caller passed none), and the
 * marker is deleted. A process that is not Node (`sh`, esbuild) keeps both; `sh -c 'node x'` passes them on.
 *
 * The points patched, each the one funnel of its family:
 * - `ChildProcess.prototype.spawn`: spawn, fork, exec, execFile all end there with `envPairs` computed;
 * - the exported `spawnSync`, `execSync`, `execFileSync`: they reach a native binding directly;
 * - the exported `Worker` class (a subclass that edits `options.env`); `env: SHARE_ENV` workers share the
 *   creator's env object, so they get nothing (the creator's `spawn` event joins them, see threads.ts).
 * ESM named imports of builtins are synced to the patched exports (`module.syncBuiltinESMExports()`).
 */
import * as childProcess from 'node:child_process'
import * as workerThreads from 'node:worker_threads'
import { syncBuiltinESMExports } from 'node:module'
import { builtinExports } from './builtin.js'
import type { ThreadKey } from '../spool/format.js'
import { setParent } from './thread-table.js'
import { workerScript, type ScriptName } from './script-name.js'

export const CHILD_ENV = 'VITEST_PROFILER_CHILD'
/**
 * The environment-data key under which a creator hands a new worker the description of its script
 * (script-name.ts). Environment data, like thread-table.ts's: user code sees it only by asking for this key,
 * never in workerData, env, execArgv or argv.
 */
const SCRIPT_KEY = 'vitest-profiler.worker-script'

/** What a creating thread hands to its child through CHILD_ENV. */
interface Inheritance {
  /** Lineage: the creator's ancestors and the creator itself, oldest first. */
  l: ThreadKey[]
  /** The child's NODE_OPTIONS as its creator passed it; null: it passed none. */
  o: string | null
}

/** The Worker class as Node made it: the agent's own helper threads (the watchdog) must not get the agent. */
export const OriginalWorker = workerThreads.Worker

/**
 * Takes this thread's inheritance out of its `process.env`, restoring the env its creator passed.
 * Returns the ancestors (oldest first); [] for a thread started without one (a vitest worker, SHARE_ENV).
 * Runs whether or not the agent then starts: a process a test left running may outlive its run.
 */
export function takeInheritance(): ThreadKey[] {
  const raw = process.env[CHILD_ENV]
  if (raw === undefined) return []
  delete process.env[CHILD_ENV]
  let parsed: Inheritance
  try {
    parsed = JSON.parse(raw)
  } catch {
    return []
  }
  if (typeof parsed.o === 'string') process.env.NODE_OPTIONS = parsed.o
  else delete process.env.NODE_OPTIONS
  return Array.isArray(parsed.l) ? parsed.l.filter((k) => typeof k === 'string' && /^\d+-\d+$/.test(k)).slice(-16) : []
}

/**
 * In a worker: what its creator said it runs (null: created by a thread without our Worker subclass, such as
 * vitest's unprofiled main process). Taken out, so that the worker's own workers cannot inherit it.
 */
export function takeWorkerScript(): ScriptName | null {
  if (workerThreads.isMainThread) return null
  const handed = workerThreads.getEnvironmentData(SCRIPT_KEY) as ScriptName | undefined
  if (handed === undefined) return null
  workerThreads.setEnvironmentData(SCRIPT_KEY, undefined)
  return typeof handed?.entry === 'string' && typeof handed.title === 'string' ? { entry: handed.entry, title: handed.title } : null
}

/** NODE_OPTIONS splits on spaces but honours double quotes (with backslash escapes inside them). */
export function quoteForNodeOptions(p: string): string {
  return /[\s"\\]/.test(p) ? `"${p.replace(/(["\\])/g, '\\$1')}"` : p
}

export interface PropagationConfig {
  /** The preload file: `--require` target added to a child's NODE_OPTIONS. */
  bootstrapPath: string
  /** This thread's lineage for its children: its ancestors and itself, oldest first. */
  lineage: ThreadKey[]
  /** False once the thread's agent has ended: children are then created exactly as without profiling. */
  active(): boolean
}

/** The two variables a child gets, given the NODE_OPTIONS its creator passed (undefined: none). */
export function childAdditions(config: PropagationConfig, nodeOptions: string | undefined): { NODE_OPTIONS: string; [CHILD_ENV]: string } {
  const inheritance: Inheritance = { l: config.lineage, o: nodeOptions ?? null }
  const preload = `--require ${quoteForNodeOptions(config.bootstrapPath)}`
  return {
    NODE_OPTIONS: nodeOptions ? `${nodeOptions} ${preload}` : preload,
    [CHILD_ENV]: JSON.stringify(inheritance),
  }
}

const PATCHED = Symbol.for('vitest-profiler.propagation-patched')


/** Installs the patches once per thread; later calls only replace the config they read. */
export function installPropagation(config: PropagationConfig): void {
  const slot = process as unknown as Record<symbol, { config: PropagationConfig } | undefined>
  const holder = slot[PATCHED]
  if (holder) {
    holder.config = config
    return
  }
  const state = { config }
  slot[PATCHED] = state
  patchAsyncSpawn(() => state.config)
  patchSyncSpawns(() => state.config)
  patchWorker(() => state.config)
  try {
    syncBuiltinESMExports()
  } catch {}
}

function patchAsyncSpawn(get: () => PropagationConfig): void {
  const proto = childProcess.ChildProcess.prototype as unknown as { spawn: (options: { envPairs?: string[] }) => unknown }
  const original = proto.spawn
  proto.spawn = function spawn(this: unknown, options) {
    const config = get()
    if (config.active() && options && Array.isArray(options.envPairs)) {
      const pairs = options.envPairs.filter((p) => !p.startsWith('NODE_OPTIONS=') && !p.startsWith(`${CHILD_ENV}=`))
      const given = options.envPairs.find((p) => p.startsWith('NODE_OPTIONS='))
      const additions = childAdditions(config, given === undefined ? undefined : given.slice('NODE_OPTIONS='.length))
      for (const [k, v] of Object.entries(additions)) pairs.push(`${k}=${v}`)
      options.envPairs = pairs
    }
    return original.call(this, options)
  }
}

type Env = NodeJS.ProcessEnv

/** A copy of the env a child would get (`base`, or this thread's), with our two additions. */
function envForChild(config: PropagationConfig, base: Env | undefined): Env {
  const env: Env = { ...(base ?? process.env) }
  delete env[CHILD_ENV]
  return Object.assign(env, childAdditions(config, env.NODE_OPTIONS))
}

function withChildEnv(config: PropagationConfig, options: { env?: Env } | undefined): { env?: Env } | undefined {
  if (!config.active()) return options
  return { ...(options ?? {}), env: envForChild(config, options?.env) }
}

function patchSyncSpawns(get: () => PropagationConfig): void {
  const cp = builtinExports('node:child_process') as Record<string, (...args: unknown[]) => unknown>
  const execSync = cp.execSync!
  cp.execSync = function patchedExecSync(this: unknown, command: unknown, options?: unknown) {
    return execSync.call(this, command, withChildEnv(get(), options as { env?: Env }))
  }
  // (file, args?, options?): args may be left out, with options in its place.
  for (const name of ['spawnSync', 'execFileSync'] as const) {
    const original = cp[name]!
    cp[name] = function patched(this: unknown, file: unknown, args?: unknown, options?: unknown) {
      if (!Array.isArray(args) && args !== null && typeof args === 'object') {
        options = args
        args = undefined
      }
      return original.call(this, file, args ?? [], withChildEnv(get(), options as { env?: Env }))
    }
  }
}

/**
 * The options without the flags Node named as invalid for a worker: its message is `Initiated Worker with
 * invalid execArgv flags: a, b` (lib/internal/errors.js, Node 12 to 24).
 */
function withoutInvalidFlags(options: workerThreads.WorkerOptions, err: Error): workerThreads.WorkerOptions {
  const listed = /flags: (.*)$/s.exec(err.message)?.[1]
  const invalid = new Set((listed ?? '').split(', ').filter(Boolean))
  return { ...options, execArgv: (options.execArgv ?? []).filter((a) => !invalid.has(a)) }
}

function patchWorker(get: () => PropagationConfig): void {
  const Base = OriginalWorker
  class Worker extends Base {
    constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
      const config = get()
      if (config.active() && options?.env !== workerThreads.SHARE_ENV) {
        options = { ...(options ?? {}), env: envForChild(config, options?.env as Env | undefined) }
      }
      // A worker runs the `--require`s of its execArgv, by default its process's. Where the agent was not started
      // by its process's execArgv (sampling started from a test thread of a budgets-only run, lazy-start.ts), a
      // worker that inherits it would run without the agent: it gets the bootstrap added. Never to an execArgv
      // the caller gave: the worker's process.execArgv must stay what it asked for (tinypool's suite asserts
      // `['--no-warnings']`); such a worker runs unprofiled.
      const given = options
      if (config.active() && options?.execArgv === undefined && !process.execArgv.includes(config.bootstrapPath)) {
        options = { ...(options ?? {}), execArgv: [...process.execArgv, '--require', config.bootstrapPath] }
      }
      // Node clones its creator's environment data into a worker inside the constructor: set just around it.
      const handing = config.active()
      if (handing) workerThreads.setEnvironmentData(SCRIPT_KEY, workerScript(filename, options, process.cwd()))
      try {
        try {
          super(filename, options)
        } catch (err) {
          // An execArgv given to a worker may not hold V8's or the process's options (--expose-gc, --stack-size=,
          // --max-old-space-size=), which an inherited one may: Node throws before the thread starts. Those flags
          // are the process's anyway, so the worker gets the execArgv without them (only its process.execArgv
          // lacks them), and, if Node still refuses, the caller's options: unprofiled, never failing.
          if (options === given || (err as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err
          const retry = withoutInvalidFlags(options!, err as Error)
          try {
            super(filename, retry)
          } catch (again) {
            if ((again as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw again
            super(filename, given)
          }
        }
      } finally {
        if (handing) workerThreads.setEnvironmentData(SCRIPT_KEY, undefined)
      }
      // Synchronously, before the new worker runs anything: who heartbeats it (thread-table.ts).
      if (config.active()) setParent(this.threadId, workerThreads.threadId)
    }
  }
  builtinExports('node:worker_threads').Worker = Worker
}
