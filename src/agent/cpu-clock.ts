/**
 * Per-thread CPU clocks. Samples are wall-clock samples (a thread blocked in Atomics.wait keeps being sampled),
 * so on-CPU time must come from a clock; samples only split it across lines.
 *
 * Best first:
 * - `process.threadCpuUsage()` (Node >= 22.19): this thread's user+system time.
 * - `/proc/thread-self/schedstat` (Linux, Node 20): first field is this thread's on-CPU nanoseconds.
 * - `process.cpuUsage()` in a process's main thread: whole-process time, exact only while it is the only JS
 *   thread doing work. Used only where the two above are missing (macOS on Node 20) and marked as such.
 * - none: workers on such platforms; attribution estimates CPU from work samples and says so.
 */
import { closeSync, openSync, readSync } from 'node:fs'
import { isMainThread } from 'node:worker_threads'
import type { CpuClockKind } from '../spool/format.js'

export interface CpuClock {
  kind: CpuClockKind
  /** On-CPU microseconds of the calling thread (monotonic per thread). 0 when kind is 'none'. */
  read(): number
}

type ThreadCpuUsage = () => { user: number; system: number }

// Taken when this module loads, before idle.ts can wrap it (its wrapper passes short waits through anyway).
const realWait: (cell: Int32Array, index: number, value: number, timeoutMs: number) => string = Atomics.wait
let settleCell: Int32Array | null = null
/** Requested sleep (ms): 2 µs did not always switch the thread out here, 5 µs and more always did. */
const SETTLE_MS = 0.02

/**
 * Brings the calling thread's CPU figure up to date before a reading whose error bound matters (a budget's, the
 * gate's). Linux adds a running thread's time to what schedstat and getrusage(RUSAGE_THREAD) report (the latter
 * is `process.threadCpuUsage`) only at the scheduler's tick or when the thread is switched out, so a figure read
 * while the thread runs lags by up to one tick (4 ms on this host, HZ 250), and a window's difference is off by
 * up to a tick either way: measured on spins of 0.5-3.5 ms, p1/p99 of the error -3.2/+3.3 ms with Node 20's
 * schedstat and with Node 24's threadCpuUsage alike. A sleep of 20 µs switches the thread out, and the scheduler
 * then brings its runtime up to date: the figure read right after was within 0.14 ms of the truth (p99), with
 * either clock. (The kernel's `task_sched_runtime()`, which does the same without a sleep, is behind
 * clock_gettime(CLOCK_THREAD_CPUTIME_ID), which Node does not expose.)
 * Cost: about 80 µs of wall time (the kernel's timer slack is most of it) and 10 µs of CPU per call (2000 calls).
 * Returns false where it could not sleep (Atomics.wait refused): the reading then keeps its tick of error.
 */
export function settleCpuClock(): boolean {
  try {
    settleCell ??= new Int32Array(new SharedArrayBuffer(4))
    return realWait.call(Atomics, settleCell, 0, 0, SETTLE_MS) === 'timed-out'
  } catch {
    return false
  }
}

export function pickCpuClock(): CpuClock {
  const threadCpuUsage = (process as unknown as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage
  if (typeof threadCpuUsage === 'function') {
    try {
      threadCpuUsage.call(process)
      return {
        kind: 'thread-cpu-usage',
        read: () => {
          const u = threadCpuUsage.call(process)
          return u.user + u.system
        },
      }
    } catch {}
  }
  const schedstat = readSchedstat()
  if (schedstat !== null) {
    return { kind: 'schedstat', read: () => readSchedstat() ?? 0 }
  }
  if (isMainThread) {
    return {
      kind: 'process-cpu-usage',
      read: () => {
        const u = process.cpuUsage()
        return u.user + u.system
      },
    }
  }
  return { kind: 'none', read: () => 0 }
}

const buf = Buffer.alloc(128)
/**
 * Kept open: a /proc file read again from offset 0 gives the current figure, and one pread costs a third of
 * open + read + close (the budget meter reads the clock at every test's start and end, the agent at every
 * heartbeat). `/proc/thread-self` is resolved at open, to the thread that opened it: this module is per thread.
 */
let schedstatFd: number | null = null
function readSchedstat(): number | null {
  try {
    schedstatFd ??= openSync('/proc/thread-self/schedstat', 'r')
    const n = readSync(schedstatFd, buf, 0, buf.length, 0)
    const first = buf.toString('latin1', 0, n).split(' ')[0]
    const ns = Number(first)
    return Number.isFinite(ns) ? Math.floor(ns / 1000) : null
  } catch {
    if (schedstatFd !== null) {
      try {
        closeSync(schedstatFd)
      } catch {}
      schedstatFd = null
    }
    return null
  }
}
