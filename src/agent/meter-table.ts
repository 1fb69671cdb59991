/**
 * The budget meter's table (meter.ts says what it is for): one SharedArrayBuffer per process, in Node's
 * environment data, so that every worker thread receives it; per thread its creator, OS tid, last own CPU, its
 * synchronous children's CPU and the agent's own CPU; per child process its pid, spawning thread and CPU at
 * exit; the process's reaped-children baseline. Shared by the side that writes it in every metered thread
 * (meter-install.ts, alone in dist/agent/meter-worker.cjs, the bundle a worker thread loads) and the side a
 * test's thread reads it with (meter.ts).
 */
import { closeSync, openSync, readSync } from 'node:fs'
import { getEnvironmentData, setEnvironmentData, threadId } from 'node:worker_threads'
import { pickCpuClock, type CpuClock } from './cpu-clock.js'
import { reapedCpu } from './proc-stat.js'

const TABLE_KEY = 'vitest-profiler.meter-table'
/** Thread slots (threadId & mask) and child entries (a ring: a test that starts more children wraps it). */
const SLOTS = 1 << 12
export const CHILDREN = 1 << 12
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

/** Without /proc: how often a worker publishes its own clock (its figure can lag by this much). */
export const FALLBACK_PERIOD_MS = 100

export interface Table {
  ints: Int32Array
  floats: Float64Array
  /** [0]: this process's reaped-children CPU (us) already given to some child, -1 before the first reading. */
  reaped: BigInt64Array
}

let table: Table | null = null

export function getTable(): Table {
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

export const tInt = (slot: number, col: number) => INT_HEADER + slot * T_INTS + col
export const tFloat = (slot: number, col: number) => slot * T_FLOATS + col
export const cInt = (entry: number, col: number) => INT_HEADER + SLOTS * T_INTS + entry * C_INTS + col
export const cFloat = (entry: number) => SLOTS * T_FLOATS + entry
export const slotOf = (tid: number) => tid & (SLOTS - 1)

// ---- /proc readers (null where there is none) ----

const schedBuf = Buffer.alloc(128)
/** Open files of the workers' schedstat, by tid (a pread from offset 0 re-reads a /proc file: one syscall). */
const schedFds = new Map<number, number>()
/** On-CPU microseconds of an OS thread of this process (schedstat's first field, ns); null once it is gone. */
export function threadCpuOf(tid: number): number | null {
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
export function forgetThread(tid: number): void {
  const fd = schedFds.get(tid)
  if (fd === undefined) return
  schedFds.delete(tid)
  try {
    closeSync(fd)
  } catch {}
}

/** Whether this system has /proc (children are measured only then). */
export const hasProc = reapedCpu() !== null

/** Reaped-children CPU not yet given to any child: taken by the caller (one process-wide baseline). */
export function takeReaped(): number {
  const now = reapedCpu()
  if (now === null) return 0
  const t = getTable()
  const previous = Atomics.exchange(t.reaped, 0, BigInt(now))
  return previous < 0n ? 0 : Math.max(0, now - Number(previous))
}

/** Moves the baseline to now without taking anything (children of nobody we measure were reaped meanwhile). */
export function skipReaped(): void {
  const now = reapedCpu()
  if (now !== null) Atomics.store(getTable().reaped, 0, BigInt(now))
}

/** Thread slots and child entries in use (every scan of the table stops there: most runs use a handful of each). */
export const usedSlots = (t: Table) => Math.min(SLOTS, Atomics.load(t.ints, 1) + 1)
export const usedEntries = (t: Table) => Math.min(CHILDREN, Atomics.load(t.ints, 0) >>> 0)

/** This process's child processes still running, whoever started them. */
export function liveChildren(): number {
  const t = getTable()
  let n = 0
  for (let e = 0, used = usedEntries(t); e < used; e++) if (Atomics.load(t.ints, cInt(e, 2)) === 1) n++
  return n
}

let clock: CpuClock | null = null
export const ownClock = (): CpuClock => (clock ??= pickCpuClock())

/** Writes this thread's own CPU into its slot (its last known value). */
export function publishOwn(): void {
  const t = getTable()
  t.floats[tFloat(slotOf(threadId), 0)] = ownClock().read()
}

