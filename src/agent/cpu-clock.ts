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
