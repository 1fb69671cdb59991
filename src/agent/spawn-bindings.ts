/**
 * The budget meter's hooks on child processes, set below node:child_process: on Node's two spawn bindings,
 * `process_wrap` (Process.prototype.spawn: every asynchronous child, spawn/fork/exec/execFile) and `spawn_sync`
 * (spawn: spawnSync/execSync/execFileSync). lib/internal/child_process.js calls both through the binding objects
 * at each spawn (`this._handle.spawn(options)`, `spawn_sync.spawn(options)`), so a hook there sees every child a
 * thread starts, whether node:child_process was loaded before it or after, by `require` or by an ESM `import`.
 *
 * Why not patch node:child_process: the meter is installed in every thread below a test, and loading that module
 * only to patch it cost each worker thread 8.3 M instructions (cachegrind, Node 20; a fifth of all the meter cost
 * in a worker), while most workers never start a child. There is no hook on an ESM import of a builtin on Node 20
 * (module.registerHooks is 22.15+), so the patch could not wait for the module's first use.
 *
 * The bindings are reached through `process.binding`: DEP0111 is documentation-only, and 'process_wrap' and
 * 'spawn_sync' are on its allow list, which returns the internal binding object itself (lib/internal/bootstrap/
 * realm.js, Node 20 to 24). Under --pending-deprecation Node wraps process.binding in a function that warns on the
 * first call (lib/internal/process/pre_execution.js): then, and wherever the shape is not the expected one, these
 * return false and the caller patches node:child_process instead (meter-install.ts), so no warning is ever ours.
 */

/**
 * The child's argv (its file first) among a binding spawn's arguments: an array of lib/internal/child_process.js's
 * own making (normalizeSpawnArguments builds it afresh per call), so it may be edited in place. Node 20 and 22
 * pass one options object (`{ file, args, ... }`); Node 24's process_wrap takes positional arguments
 * (`file, args, cwd, envPairs, stdio, ...`). Anything else: null, and the argv is left as it is.
 */
function argvOf(call: ArrayLike<unknown>): string[] | null {
  const first = call[0] as { args?: unknown } | null | undefined
  if (first !== null && typeof first === 'object' && Array.isArray(first.args)) return first.args as string[]
  if (typeof first === 'string' && Array.isArray(call[1])) return call[1] as string[]
  return null
}

interface ProcessHandle {
  pid?: number
  onexit?: (...args: unknown[]) => unknown
}

type Binding = Record<string | symbol, unknown>

function binding(name: string): Binding | null {
  const get = (process as unknown as { binding?: (name: string) => Binding }).binding
  // The original is named `binding`; Node's deprecate() wrapper is named `deprecated`.
  if (typeof get !== 'function' || get.name !== 'binding') return null
  try {
    return get.call(process, name)
  } catch {
    return null
  }
}

export interface SpawnHook {
  /**
   * Before a child starts, with its argv (null if its shape is unknown): may remove entries of it, in place
   * (ChildProcess keeps the same array as its `spawnargs`).
   */
  before(argv: string[] | null): void
}

export interface AsyncSpawnHook extends SpawnHook {
  /** After a child started (pid > 0): returns what runs first in its exit callback, before Node's own. */
  started(pid: number): () => void
}

const ASYNC_HOOKED = Symbol.for('vitest-profiler.meter-spawn-binding')

/** Hooks the asynchronous spawns of this thread (a binding is per thread); false if the binding is not usable. */
export function hookAsyncSpawns(hook: AsyncSpawnHook): boolean {
  const Process = binding('process_wrap')?.Process as { prototype: Record<string | symbol, unknown> } | undefined
  const proto = Process?.prototype
  if (!proto || typeof proto.spawn !== 'function') return false
  if (proto[ASYNC_HOOKED]) return true
  proto[ASYNC_HOOKED] = true
  const original = proto.spawn as (this: ProcessHandle, ...args: unknown[]) => number
  proto.spawn = function spawn(this: ProcessHandle, ...call: unknown[]) {
    try {
      hook.before(argvOf(call))
    } catch {}
    const err = original.apply(this, call)
    try {
      const pid = this.pid
      const onexit = this.onexit
      if (err === 0 && typeof pid === 'number' && pid > 0 && typeof onexit === 'function') {
        const first = hook.started(pid)
        // libuv has just reaped the child when this runs: nothing of this thread ran since (meter-table.ts).
        this.onexit = function onexitMetered(this: unknown, ...args: unknown[]) {
          try {
            first()
          } catch {}
          return onexit.apply(this, args)
        }
      }
    } catch {}
    return err
  }
  return true
}

const SYNC_HOOKED = Symbol.for('vitest-profiler.meter-spawn-sync-binding')

/** Hooks this thread's synchronous spawns: `before` and `after` around each; false if the binding is not usable. */
export function hookSyncSpawns(hook: SpawnHook & { after(): void }): boolean {
  const sync = binding('spawn_sync')
  if (!sync || typeof sync.spawn !== 'function') return false
  if (sync[SYNC_HOOKED]) return true
  sync[SYNC_HOOKED] = true
  const original = sync.spawn as (...args: unknown[]) => unknown
  sync.spawn = function spawnSync(this: unknown, ...call: unknown[]) {
    try {
      hook.before(argvOf(call))
    } catch {}
    try {
      return original.apply(this, call)
    } finally {
      try {
        hook.after()
      } catch {}
    }
  }
  return true
}
