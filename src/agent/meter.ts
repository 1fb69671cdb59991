/**
 * The budget meter: what a test spent, known inside the test's own thread when the test ends, so that a budget
 * can fail the test in vitest's own result. It needs no sampler and runs in both modes (profiling on or off):
 * the test's thread reads its own CPU clock, and the CPU of every worker thread and child process below it from
 * one table per process, written by those threads and read without interrupting them.
 *
 * How the figures are known (Linux first, as the rest of the agent):
 * - the test's own thread: its CPU clock (cpu-clock.ts);
 * - a live worker thread below it: its OS thread's `/proc/self/task/<tid>/schedstat`, read by the test's thread
 *   at the window's start and end (exact even while the worker is busy in synchronous code or in Atomics.wait:
 *   no code of the worker has to run). Each worker writes its tid into the table as it starts. A worker's last
 *   value is written as it ends: by its own exit handler, or by the thread that calls its terminate() (a
 *   terminated worker runs no exit handler, PLATFORM-FACTS.md), just before the real terminate();
 * - without /proc (macOS, Windows): each worker writes its own clock into the table on a 100 ms timer of its own
 *   and before every postMessage (a pool's result is posted after the task's work, so the figure is current
 *   when the test sees the result); the figure can lag by the timer period, which the bound says;
 * - a child process (Node or not: esbuild, sh): `/proc/<pid>/stat` (its CPU and that of the descendants it
 *   reaped) while it lives, and at its exit what it added to this process's reaped-children CPU
 *   (`/proc/self/stat` cutime + cstime; libuv reaps it and runs the 'exit' callback in one go). The reaped
 *   baseline is one per process (in the table), so no child's CPU is counted by two threads. Synchronous spawns
 *   (spawnSync, execSync, execFileSync): the growth around the call, added to the calling thread's entry.
 *   Without /proc, child processes are not measured, and the measurement says so.
 *
 * The table is shared the way thread-table.ts shares its own (a SharedArrayBuffer in Node's environment data,
 * handed to each new worker); who created a worker comes the same way: every thread leaves its threadId in its
 * own environment data, which each worker it creates receives as a copy. Nothing is visible to user code.
 */
import { closeSync, openSync, readSync, readlinkSync } from 'node:fs'
import { ChildProcess } from 'node:child_process'
import { syncBuiltinESMExports } from 'node:module'
import { builtinExports } from './builtin.js'
import { Worker, MessagePort, getEnvironmentData, isMainThread, setEnvironmentData, threadId } from 'node:worker_threads'
import { setInterval as realSetInterval } from 'node:timers'
import { nowUs } from '../spool/format.js'
import { pickCpuClock, settleCpuClock, type CpuClock } from './cpu-clock.js'
import { TICK_US, coreCount, liveCpu, reapedCpu } from './proc-stat.js'
import { processCpu, profilerThreadCpu } from './meter-helpers.js'
import { CREATOR_KEY, HOOK_FILE } from './meter-keys.js'

const TABLE_KEY = 'vitest-profiler.meter-table'
/** Thread slots (threadId & mask) and child entries (a ring: a test that starts more children wraps it). */
const SLOTS = 1 << 12
const CHILDREN = 1 << 12
/** Int32 columns per thread slot: owner threadId, creator threadId + 1, OS tid (0 unknown), ended (0/1). */
const T_INTS = 4
/**
 * Float64 columns per thread slot: own CPU (us, last known), CPU of its synchronous children (us), and the CPU
 * the profiler's agent spent in it so far (us: its start, V8's profiler start included, and its flushes; 0
 * without profiling). A budget is judged on the code's CPU, not ours: profiling must not turn a pass into a fail.
 */
const T_FLOATS = 3
/** Int32 columns per child entry: pid, spawning threadId + 1, state (1 live, 2 exited). */
const C_INTS = 3
const INT_HEADER = 2 // [0]: child entries handed out so far; [1]: the highest threadId that took a slot
const INTS = INT_HEADER + SLOTS * T_INTS + CHILDREN * C_INTS
const FLOATS = SLOTS * T_FLOATS + CHILDREN // + per child: its total CPU at exit (us)
const INT_BYTES = Math.ceil((INTS * 4) / 8) * 8
const BIG_OFFSET = INT_BYTES + FLOATS * 8

const FALLBACK_PERIOD_MS = 100

interface Table {
  ints: Int32Array
  floats: Float64Array
  /** [0]: this process's reaped-children CPU (us) already given to some child, -1 before the first reading. */
  reaped: BigInt64Array
}

let table: Table | null = null

function getTable(): Table {
  if (table) return table
  let sab = getEnvironmentData(TABLE_KEY)
  const fresh = !(sab instanceof SharedArrayBuffer)
  if (fresh) sab = new SharedArrayBuffer(BIG_OFFSET + 8)
  const buffer = sab as SharedArrayBuffer
  table = {
    ints: new Int32Array(buffer, 0, INTS),
    floats: new Float64Array(buffer, INT_BYTES, FLOATS),
    reaped: new BigInt64Array(buffer, BIG_OFFSET, 1),
  }
  if (fresh) Atomics.store(table.reaped, 0, -1n)
  setEnvironmentData(TABLE_KEY, buffer)
  return table
}

const tInt = (slot: number, col: number) => INT_HEADER + slot * T_INTS + col
const tFloat = (slot: number, col: number) => slot * T_FLOATS + col
const cInt = (entry: number, col: number) => INT_HEADER + SLOTS * T_INTS + entry * C_INTS + col
const cFloat = (entry: number) => SLOTS * T_FLOATS + entry
const slotOf = (tid: number) => tid & (SLOTS - 1)

// ---- /proc readers (null where there is none) ----

const schedBuf = Buffer.alloc(128)
/** Open files of the workers' schedstat, by tid (a pread from offset 0 re-reads a /proc file: one syscall). */
const schedFds = new Map<number, number>()
/** On-CPU microseconds of an OS thread of this process (schedstat's first field, ns); null once it is gone. */
function threadCpuOf(tid: number): number | null {
  let fd = schedFds.get(tid)
  try {
    if (fd === undefined) {
      fd = openSync(`/proc/self/task/${tid}/schedstat`, 'r')
      schedFds.set(tid, fd)
    }
    const n = readSync(fd, schedBuf, 0, schedBuf.length, 0)
    const ns = Number(schedBuf.toString('latin1', 0, n).split(' ')[0])
    return Number.isFinite(ns) && n > 0 ? Math.floor(ns / 1000) : null
  } catch {
    // The thread has ended (ESRCH on read, ENOENT on open): forget its file.
    if (fd !== undefined) {
      try {
        closeSync(fd)
      } catch {}
      schedFds.delete(tid)
    }
    return null
  }
}

/** Closes the file of a thread whose last figure is in the table: nothing reads it again. */
function forgetThread(tid: number): void {
  const fd = schedFds.get(tid)
  if (fd === undefined) return
  schedFds.delete(tid)
  try {
    closeSync(fd)
  } catch {}
}

/**
 * How stale a reading of a running thread's CPU can be: the kernel adds its time at its scheduler ticks, so a
 * figure lags by up to one tick (steps of up to 4 ms seen on this host, CONFIG_HZ 250). A window's difference
 * is off by less than one tick either way (both ends lag, in the same direction); counted at both ends, the
 * bound also covers kernels down to 125 Hz. The test's own thread settles its clock first and has no such
 * error (cpu-clock.ts settleCpuClock); a worker read from outside, while it runs, does.
 */
const SCHEDSTAT_STALE_US = 4000

const liveChildCpu = liveCpu
const hasProc = reapedCpu() !== null

function ownTid(): number {
  try {
    // "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    return Number.isInteger(tid) && tid > 0 ? tid : 0
  } catch {
    return 0
  }
}

/** Reaped-children CPU not yet given to any child: taken by the caller (one process-wide baseline). */
function takeReaped(): number {
  const now = reapedCpu()
  if (now === null) return 0
  const t = getTable()
  const previous = Atomics.exchange(t.reaped, 0, BigInt(now))
  return previous < 0n ? 0 : Math.max(0, now - Number(previous))
}

/** Moves the baseline to now without taking anything (children of nobody we measure were reaped meanwhile). */
function skipReaped(): void {
  const now = reapedCpu()
  if (now !== null) Atomics.store(getTable().reaped, 0, BigInt(now))
}

// ---- per thread ----

const INSTALLED = Symbol.for('vitest-profiler.meter-installed')

let clock: CpuClock | null = null
const ownClock = (): CpuClock => (clock ??= pickCpuClock())

/** The profiler's own CPU in this thread so far (agent/preload.ts, after its start and after every flush). */
export function publishOverhead(us: number): void {
  getTable().floats[tFloat(slotOf(threadId), 2)] = us
}

/** Writes this thread's own CPU into its slot (its last known value). */
function publishOwn(): void {
  const t = getTable()
  t.floats[tFloat(slotOf(threadId), 0)] = ownClock().read()
}

/** The test thread's own CPU, current (see settleCpuClock), and whether it could be made so. */
function readOwnSettled(): { us: number; settled: boolean } {
  const settled = settleCpuClock()
  return { us: ownClock().read(), settled }
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
  if (hasProc) {
    patchAsyncSpawn()
    patchSyncSpawns()
  }
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

function patchAsyncSpawn(): void {
  const proto = ChildProcess.prototype as unknown as { spawn: (o: unknown) => unknown; [SPAWN_PATCHED]?: true }
  if (proto[SPAWN_PATCHED]) return
  proto[SPAWN_PATCHED] = true
  const original = proto.spawn
  proto.spawn = function spawn(this: ChildProcess, options: unknown) {
    // Children reaped before this one started are no part of it.
    if (liveChildren() === 0) skipReaped()
    const args = (options as { args?: unknown } | null)?.args
    const file = preloadFile()
    if (file && Array.isArray(args)) {
      const kept = withoutPreload(args as string[], file)
      if (kept !== args) options = { ...(options as object), args: kept }
    }
    const result = original.call(this, options)
    const pid = this.pid
    if (typeof pid === 'number' && pid > 0) {
      const t = getTable()
      const entry = (Atomics.add(t.ints, 0, 1) >>> 0) % CHILDREN
      t.floats[cFloat(entry)] = 0
      Atomics.store(t.ints, cInt(entry, 0), pid)
      Atomics.store(t.ints, cInt(entry, 1), threadId + 1)
      Atomics.store(t.ints, cInt(entry, 2), 1)
      this.once('exit', () => {
        // First thing: nothing else of this thread runs between libuv's reap and this reading.
        if (Atomics.load(t.ints, cInt(entry, 0)) !== pid) return
        t.floats[cFloat(entry)] = takeReaped()
        Atomics.store(t.ints, cInt(entry, 2), 2)
      })
    }
    return result
  }
}

/** Thread slots and child entries in use (the scans below stop there: most runs use a handful of each). */
const usedSlots = (t: Table) => Math.min(SLOTS, Atomics.load(t.ints, 1) + 1)
const usedEntries = (t: Table) => Math.min(CHILDREN, Atomics.load(t.ints, 0) >>> 0)

function liveChildren(): number {
  const t = getTable()
  let n = 0
  for (let e = 0, used = usedEntries(t); e < used; e++) if (Atomics.load(t.ints, cInt(e, 2)) === 1) n++
  return n
}

const SYNC_PATCHED = Symbol.for('vitest-profiler.meter-sync-spawn')

function patchSyncSpawns(): void {
  const cp = builtinExports('node:child_process')
  if (cp[SYNC_PATCHED]) return
  cp[SYNC_PATCHED] = true
  for (const name of ['spawnSync', 'execSync', 'execFileSync'] as const) {
    const original = cp[name] as (...args: unknown[]) => unknown
    cp[name] = function meteredSpawn(this: unknown, ...args: unknown[]) {
      if (liveChildren() === 0) skipReaped()
      try {
        return original.apply(this, args)
      } finally {
        // The thread was blocked in the call: the growth is this child's (and its reaped descendants').
        const t = getTable()
        const at = tFloat(slotOf(threadId), 1)
        t.floats[at] = t.floats[at]! + takeReaped()
      }
    }
  }
  try {
    syncBuiltinESMExports()
  } catch {}
}

// ---- what the test's thread reads ----

/** The threads below `root` (threadIds), by their creators' entries. */
function descendantsOf(root: number): number[] {
  const t = getTable()
  const parentOf = new Map<number, number>()
  for (let s = 0, used = usedSlots(t); s < used; s++) {
    const owner = Atomics.load(t.ints, tInt(s, 0))
    if (owner > 0 && owner !== root) parentOf.set(owner, Atomics.load(t.ints, tInt(s, 1)) - 1)
  }
  const out: number[] = []
  for (const tid of parentOf.keys()) {
    const seen = new Set<number>()
    for (let p = parentOf.get(tid); p !== undefined && p >= 0 && !seen.has(p); p = parentOf.get(p)) {
      if (p === root) {
        out.push(tid)
        break
      }
      seen.add(p)
    }
  }
  return out
}

interface ThreadReading {
  cpu: number
  sync: number
  overhead: number
  /** Read from /proc now (exact), or the thread's own last publication (may lag). */
  exact: boolean
}

function readThread(tid: number): ThreadReading {
  const t = getTable()
  const slot = slotOf(tid)
  const ended = Atomics.load(t.ints, tInt(slot, 3)) === 1
  const osTid = Atomics.load(t.ints, tInt(slot, 2))
  if (ended && osTid > 0) forgetThread(osTid)
  const live = !ended && osTid > 0 ? threadCpuOf(osTid) : null
  return { cpu: live ?? t.floats[tFloat(slot, 0)]!, sync: t.floats[tFloat(slot, 1)]!, overhead: t.floats[tFloat(slot, 2)]!, exact: live !== null || ended }
}

export interface MeterMark {
  at: number
  own: number
  /** `own` was read with the clock settled (exact), not up to a tick behind. */
  ownSettled: boolean
  ownSync: number
  ownOverhead: number
  threads: Map<number, ThreadReading>
  /** Child entries live at the mark, with their CPU then; entries already exited at the mark are ignored. */
  children: Map<number, { pid: number; cpu: number }>
  exitedAtMark: Set<number>
  /** This process's CPU (us), every thread of it: in a process's main thread only (see `helpersUs`). */
  process: number | null
  /** The CPU profiler's sampling thread's CPU (us) then, taken out of `helpersUs` (0 when none). */
  profiler: number
}

export interface Measurement {
  wallUs: number
  /** The test's own thread. */
  mainUs: number
  /** Worker threads below it. */
  threadsUs: number
  /** Child processes started by it or by its threads (their own descendants included once reaped). */
  processesUs: number
  /** How far the true figure can be from mainUs + threadsUs + processesUs (us). */
  boundUs: number
  /**
   * The CPU this process spent outside the test's own threads (us): V8's background threads (parallel and
   * concurrent GC, the optimizing compiler), libuv's pool. Not the test's CPU (not in any figure above), but the
   * work that a loaded machine hands back to the test's thread (a starved GC helper's share is done by the
   * thread that waits for it): the regression gate's per-test load model (budgets/calibration.ts). Only in a
   * process's main thread (a forks pool's test): in a worker thread the process is shared with other tests.
   * V8's CPU profiler's sampling thread is left out (Linux: found by its name); the agent's other threads are
   * not (its watchdog wakes every 50 ms). Its error is the test thread's clock bound.
   */
  helpersUs?: number
  threads: number
  processes: number
  /** What the figure leaves out, in a few words each ('child processes: no /proc on darwin'). */
  notes: string[]
}

function ownedBy(owners: Set<number>, entry: number): boolean {
  return owners.has(Atomics.load(getTable().ints, cInt(entry, 1)) - 1)
}

/** A mark at the start of a test (or of a measured block), in the test's own thread. */
export function mark(): MeterMark {
  installMeter()
  const t = getTable()
  const owners = new Set([threadId, ...descendantsOf(threadId)])
  const threads = new Map<number, ThreadReading>()
  for (const tid of owners) if (tid !== threadId) threads.set(tid, readThread(tid))
  const children = new Map<number, { pid: number; cpu: number }>()
  const exitedAtMark = new Set<number>()
  for (let e = 0, used = usedEntries(t); e < used; e++) {
    const state = Atomics.load(t.ints, cInt(e, 2))
    if (state === 0 || !ownedBy(owners, e)) continue
    if (state === 2) exitedAtMark.add(e)
    else {
      const pid = Atomics.load(t.ints, cInt(e, 0))
      children.set(e, { pid, cpu: liveChildCpu(pid) ?? 0 })
    }
  }
  const slot = slotOf(threadId)
  const proc = processCpu()
  const own = readOwnSettled()
  return { at: nowUs(), own: own.us, ownSettled: own.settled, ownSync: t.floats[tFloat(slot, 1)]!, ownOverhead: t.floats[tFloat(slot, 2)]!, threads, children, exitedAtMark, process: proc, profiler: proc === null ? 0 : profilerThreadCpu(threadCpuOf) }
}


/** What the test's thread and everything below it spent since `m`. */
export function measureSince(m: MeterMark): Measurement {
  const t = getTable()
  const at = nowUs()
  const processNow = m.process === null ? null : processCpu()
  const notes: string[] = []
  let boundUs = 0
  const kind = ownClock().kind
  const own = readOwnSettled()
  const ownUs = own.us - m.own
  const mainUs = Math.max(0, ownUs - (t.floats[tFloat(slotOf(threadId), 2)]! - m.ownOverhead))
  if (kind === 'none') notes.push('the test thread has no CPU clock here')
  // Both kinds lag a running thread by up to a tick unless settled (threadCpuUsage too: getrusage(RUSAGE_THREAD)).
  if ((kind === 'schedstat' || kind === 'thread-cpu-usage') && !(own.settled && m.ownSettled)) boundUs += 2 * SCHEDSTAT_STALE_US
  // A clock tick of the coarser clocks, at each end.
  if (kind === 'process-cpu-usage') notes.push("the test thread's clock counts its whole process")

  const owners = new Set([threadId, ...descendantsOf(threadId)])
  let threadsUs = 0
  // The test's threads' own clocks, the profiler's part included: what is left of the process's CPU is helpers'.
  let threadsRawUs = 0
  let syncUs = t.floats[tFloat(slotOf(threadId), 1)]! - m.ownSync
  let threads = 0
  for (const tid of owners) {
    if (tid === threadId) continue
    const now = readThread(tid)
    const before = m.threads.get(tid)
    threadsRawUs += Math.max(0, now.cpu - (before?.cpu ?? 0))
    const grew = now.cpu - (before?.cpu ?? 0) - (now.overhead - (before?.overhead ?? 0))
    if (grew > 0 || !before) threads++
    threadsUs += Math.max(0, grew)
    syncUs += Math.max(0, now.sync - (before?.sync ?? 0))
    // A figure the worker published itself can be one period old at either end; a schedstat one a tick.
    if (!now.exact) boundUs += FALLBACK_PERIOD_MS * 1000
    else if (grew > 0) boundUs += 2 * SCHEDSTAT_STALE_US
  }
  if (kind === 'process-cpu-usage') threadsUs = 0

  let processesUs = Math.max(0, syncUs)
  let processes = 0
  if (!hasProc) notes.push(`child processes are not measured on ${process.platform} (no /proc)`)
  else {
    let sum = 0
    for (let e = 0, used = usedEntries(t); e < used; e++) {
      const state = Atomics.load(t.ints, cInt(e, 2))
      if (state === 0 || m.exitedAtMark.has(e) || !ownedBy(owners, e)) continue
      const before = m.children.get(e)
      const pid = Atomics.load(t.ints, cInt(e, 0))
      if (before && before.pid !== pid) continue
      const now = state === 2 ? t.floats[cFloat(e)]! : (liveChildCpu(pid) ?? before?.cpu ?? 0)
      sum += now - (before?.cpu ?? 0)
      processes++
      // /proc counts whole ticks: one at each end of a live child's figure.
      boundUs += state === 2 ? TICK_US : 2 * TICK_US
    }
    processesUs += Math.max(0, sum)
    // No child can have spent more than every core for the whole window. (Only with a figure to bound: coreCount()
    // loads node:os, which a test process without children need not pay for, 1.4 ms of CPU.)
    if (processesUs > 0) processesUs = Math.min(processesUs, (at - m.at) * coreCount() + TICK_US)
  }
  const helpers =
    processNow !== null && m.process !== null && kind !== 'process-cpu-usage' && kind !== 'none' ? processNow - m.process - ownUs - threadsRawUs - (profilerThreadCpu(threadCpuOf) - m.profiler) : null
  return { wallUs: at - m.at, mainUs, threadsUs, processesUs, boundUs, threads, processes, notes, ...(helpers !== null ? { helpersUs: Math.max(0, helpers) } : {}) }
}
