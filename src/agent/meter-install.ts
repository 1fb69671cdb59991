/**
 * The budget meter's writing side (meter.ts says what the meter is for): what every metered thread installs in
 * itself. A worker thread registers its slot (creator, OS tid) and publishes its last CPU when it exits; every
 * metered thread records the child processes it starts (pid, and CPU at exit) and its synchronous children,
 * tells the workers it creates that it is their creator, and records a worker's last CPU before terminating it.
 * This is all a worker thread loads (dist/agent/meter-worker.cjs, through meter-hook.ts): a worker below a test
 * is read from outside and reads nothing itself, so the reading side (meter.ts) would only cost it time to
 * compile.
 */
import type { ChildProcess } from 'node:child_process'
import { readlinkSync } from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import { builtinExports } from './builtin.js'
import { hookAsyncSpawns, hookSyncSpawns } from './spawn-bindings.js'
import { Worker, MessagePort, getEnvironmentData, isMainThread, setEnvironmentData, threadId } from 'node:worker_threads'
import { setInterval as realSetInterval } from 'node:timers'
import { settleCpuClock } from './cpu-clock.js'
import { CREATOR_KEY, HOOK_FILE } from './meter-keys.js'
import {
  FALLBACK_PERIOD_MS,
  forgetThread,
  getTable,
  hasProc,
  liveChildren,
  ownClock,
  publishOwn,
  skipReaped,
  slotOf,
  takeReaped,
  tFloat,
  tInt,
  cFloat,
  cInt,
  CHILDREN,
  threadCpuOf,
} from './meter-table.js'

function ownTid(): number {
  try {
    // "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    return Number.isInteger(tid) && tid > 0 ? tid : 0
  } catch {
    return 0
  }
}

const INSTALLED = Symbol.for('vitest-profiler.meter-installed')

/** The profiler's own CPU in this thread so far (agent/preload.ts, after its start and after every flush). */
export function publishOverhead(us: number): void {
  getTable().floats[tFloat(slotOf(threadId), 2)] = us
}

/**
 * Installs the meter in the calling thread: its slot, the hooks that record its children, and what tells its
 * creator its last CPU. Idempotent per thread.
 */
export function installMeter(): void {
  const holder = process as unknown as Record<symbol, boolean | undefined>
  if (holder[INSTALLED]) return
  holder[INSTALLED] = true
  const t = getTable()
  if (!isMainThread) {
    const slot = slotOf(threadId)
    const creator = getEnvironmentData(CREATOR_KEY)
    Atomics.store(t.ints, tInt(slot, 1), typeof creator === 'number' ? creator + 1 : 0)
    Atomics.store(t.ints, tInt(slot, 2), ownTid())
    Atomics.store(t.ints, tInt(slot, 3), 0)
    t.floats[tFloat(slot, 0)] = ownClock().read()
    t.floats[tFloat(slot, 1)] = 0
    t.floats[tFloat(slot, 2)] = 0
    Atomics.store(t.ints, tInt(slot, 0), threadId)
    // Readers scan only the slots up to the highest threadId seen (a test reads the table at its start and end).
    for (let seen = Atomics.load(t.ints, 1); seen < threadId; seen = Atomics.load(t.ints, 1)) {
      if (Atomics.compareExchange(t.ints, 1, seen, threadId) === seen) break
    }
    process.on('exit', () => {
      settleCpuClock()
      publishOwn()
      Atomics.store(t.ints, tInt(slot, 3), 1)
    })
    if (Atomics.load(t.ints, tInt(slot, 2)) === 0) publishWithoutProc()
  }
  // Each worker this thread creates receives a copy of this: its creator.
  setEnvironmentData(CREATOR_KEY, threadId)
  patchTerminate()
  if (hasProc) hookSpawns()
}

/** Without a tid to read from outside: the worker keeps its own entry current itself. */
function publishWithoutProc(): void {
  realSetInterval(publishOwn, FALLBACK_PERIOD_MS).unref()
  const proto = MessagePort.prototype as unknown as { postMessage: (...a: unknown[]) => unknown }
  const original = proto.postMessage
  proto.postMessage = function postMessage(this: unknown, ...args: unknown[]) {
    publishOwn()
    return original.apply(this, args)
  }
}

const TERMINATE_PATCHED = Symbol.for('vitest-profiler.meter-terminate')

/** A terminated worker runs no exit handler: its terminator records its last CPU first. */
function patchTerminate(): void {
  const proto = Worker.prototype as unknown as { terminate: (...a: unknown[]) => Promise<number>; [TERMINATE_PATCHED]?: true }
  if (proto[TERMINATE_PATCHED]) return
  proto[TERMINATE_PATCHED] = true
  const original = proto.terminate
  proto.terminate = function terminate(this: Worker, ...args: unknown[]) {
    try {
      const t = getTable()
      const slot = slotOf(this.threadId)
      if (this.threadId > 0 && Atomics.load(t.ints, tInt(slot, 0)) === this.threadId) {
        const tid = Atomics.load(t.ints, tInt(slot, 2))
        const cpu = tid > 0 ? threadCpuOf(tid) : null
        if (cpu !== null) t.floats[tFloat(slot, 0)] = cpu
        Atomics.store(t.ints, tInt(slot, 3), 1)
        if (tid > 0) forgetThread(tid)
      }
    } catch {}
    return original.apply(this, args)
  }
}

const SPAWN_PATCHED = Symbol.for('vitest-profiler.meter-spawn')

/**
 * The budgets-only preload's file (meter-hook.ts), when that is how this thread was started.
 * fork() passes this process's execArgv on, our `--require` with it; but a child process is measured from
 * outside (/proc/<pid>/stat, with every thread and reaped child of it), and a meter in it has no reader (its
 * table is its own). So the child is started without it: as it would be without the plugin (its execArgv the
 * user's); the preload would only have cost it time (in a process's main thread it does nothing, meter-hook.ts).
 */
const preloadFile = (): string | undefined => (process as unknown as Record<symbol, string | undefined>)[HOOK_FILE]

/** `args` without our preload's `--require <file>` (or `-r`, `--require=<file>`); the same array when it has none. */
export function withoutPreload(args: readonly string[], file: string): readonly string[] {
  let out: string[] | null = null
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const pair = (a === '--require' || a === '-r') && args[i + 1] === file
    if (pair || a === `--require=${file}`) {
      out ??= args.slice(0, i)
      if (pair) i++
    } else out?.push(a)
  }
  return out ?? args
}

/** `args` without our preload's `--require <file>` pair (or `--require=<file>`), edited in place. */
function removePreload(args: string[], file: string): void {
  const kept = withoutPreload(args, file)
  if (kept !== args) args.splice(0, args.length, ...kept)
}

/** A child this thread started: its entry in the table (pid, starter), and what records its CPU at its exit. */
function recordChild(pid: number): () => void {
  const t = getTable()
  const entry = (Atomics.add(t.ints, 0, 1) >>> 0) % CHILDREN
  t.floats[cFloat(entry)] = 0
  Atomics.store(t.ints, cInt(entry, 0), pid)
  Atomics.store(t.ints, cInt(entry, 1), threadId + 1)
  Atomics.store(t.ints, cInt(entry, 2), 1)
  return () => {
    // First thing after libuv's reap: nothing else of this thread ran between the reap and this reading.
    if (Atomics.load(t.ints, cInt(entry, 0)) !== pid) return
    t.floats[cFloat(entry)] = takeReaped()
    Atomics.store(t.ints, cInt(entry, 2), 2)
  }
}

/** Before any child starts: its argv without our preload, and the reaped baseline moved on if nothing is live. */
const before = (argv: string[] | null): void => {
  // Children reaped before this one started are no part of it.
  if (liveChildren() === 0) skipReaped()
  const file = preloadFile()
  if (file && argv) removePreload(argv, file)
}

/** The synchronous children's CPU: the growth of the reaped CPU around the call, added to this thread's entry. */
const syncHook = {
  before,
  after() {
    // The thread was blocked in the call: the growth is this child's (and its reaped descendants').
    const t = getTable()
    const at = tFloat(slotOf(threadId), 1)
    t.floats[at] = t.floats[at]! + takeReaped()
  },
}

/** The hooks on this thread's children: on Node's spawn bindings (spawn-bindings.ts), or on node:child_process. */
function hookSpawns(): void {
  if (!hookAsyncSpawns({ before, started: recordChild })) patchAsyncSpawn()
  if (!hookSyncSpawns(syncHook)) patchSyncSpawns()
}

// ---- the fallback: node:child_process patched (loaded for it) where the bindings are not usable ----

function patchAsyncSpawn(): void {
  const { ChildProcess } = builtinExports<typeof import('node:child_process')>('node:child_process')
  const proto = ChildProcess.prototype as unknown as { spawn: (o: unknown) => unknown; [SPAWN_PATCHED]?: true }
  if (proto[SPAWN_PATCHED]) return
  proto[SPAWN_PATCHED] = true
  const original = proto.spawn
  proto.spawn = function spawn(this: ChildProcess, options: unknown) {
    const args = (options as { args?: unknown } | null)?.args
    if (Array.isArray(args)) {
      const copy = [...(args as string[])]
      before(copy)
      if (copy.length !== args.length) options = { ...(options as object), args: copy }
    }
    const result = original.call(this, options)
    const pid = this.pid
    if (typeof pid === 'number' && pid > 0) this.once('exit', recordChild(pid))
    return result
  }
}

const SYNC_PATCHED = Symbol.for('vitest-profiler.meter-sync-spawn')

function patchSyncSpawns(): void {
  const cp = builtinExports('node:child_process')
  if (cp[SYNC_PATCHED]) return
  cp[SYNC_PATCHED] = true
  for (const name of ['spawnSync', 'execSync', 'execFileSync'] as const) {
    const original = cp[name] as (...args: unknown[]) => unknown
    cp[name] = function meteredSpawn(this: unknown, ...args: unknown[]) {
      before(null)
      try {
        return original.apply(this, args)
      } finally {
        syncHook.after()
      }
    }
  }
  try {
    syncBuiltinESMExports()
  } catch {}
}
