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
import { threadId } from 'node:worker_threads'
import { nowUs } from '../spool/format.js'
import { settleCpuClock } from './cpu-clock.js'
import { TICK_US, coreCount, liveCpu } from './proc-stat.js'
import { processCpu, profilerThreadCpu } from './meter-helpers.js'
import { installMeter } from './meter-install.js'
import {
  FALLBACK_PERIOD_MS,
  cFloat,
  cInt,
  forgetThread,
  getTable,
  hasProc,
  ownClock,
  slotOf,
  tFloat,
  tInt,
  threadCpuOf,
  usedEntries,
  usedSlots,
} from './meter-table.js'

export { installMeter, publishOverhead, withoutPreload } from './meter-install.js'

/**
 * How stale a reading of a running thread's CPU can be: the kernel adds its time at its scheduler ticks, so a
 * figure lags by up to one tick (steps of up to 4 ms seen on this host, CONFIG_HZ 250). A window's difference
 * is off by less than one tick either way (both ends lag, in the same direction); counted at both ends, the
 * bound also covers kernels down to 125 Hz. The test's own thread settles its clock first and has no such
 * error (cpu-clock.ts settleCpuClock); a worker read from outside, while it runs, does.
 */
const SCHEDSTAT_STALE_US = 4000

/** The test thread's own CPU, current (see settleCpuClock), and whether it could be made so. */
function readOwnSettled(): { us: number; settled: boolean } {
  const settled = settleCpuClock()
  return { us: ownClock().read(), settled }
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
      children.set(e, { pid, cpu: liveCpu(pid) ?? 0 })
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
      const now = state === 2 ? t.floats[cFloat(e)]! : (liveCpu(pid) ?? before?.cpu ?? 0)
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
