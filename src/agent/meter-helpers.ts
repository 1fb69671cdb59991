/**
 * What the budget meter needs to tell a test's process's other CPU (`Measurement.helpersUs`, meter.ts): the
 * whole process's clock, and the CPU profiler's own thread, which is the profiler's and not the test's.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { isMainThread } from 'node:worker_threads'
import { monoMs } from '../spool/format.js'

/** The whole process's CPU (us), where the difference from its test's threads means something (see helpersUs). */
export function processCpu(): number | null {
  if (!isMainThread) return null
  const u = process.cpuUsage()
  return u.user + u.system
}

/** V8's CPU profiler samples from a thread of its own, by this name: its CPU is the profiler's, not a helper's. */
const PROFILER_THREAD = 'v8:ProfEvntProc'
const profilerTids = new Set<number>()
let seenTasks = new Set<string>()
/** No /proc (macOS, Windows): not tried again. */
let noProc = false
/**
 * When the threads were last listed. The profiler's thread starts with profiling, before the tests, and lives
 * as long: a listing a second stands for every test in it (a listing per test cost 30 µs of the test's CPU).
 */
let listedAt = -Infinity
const LIST_EVERY_MS = 1000

/** The profiler's sampling threads' CPU (us) in this process (read by `threadCpuOf`); 0 without /proc or profiling. */
export function profilerThreadCpu(threadCpuOf: (tid: number) => number | null): number {
  if (noProc) return 0
  const now = monoMs()
  if (now - listedAt >= LIST_EVERY_MS) {
    listedAt = now
    try {
      // Only threads not seen before have their name read.
      const tasks = readdirSync('/proc/self/task')
      for (const task of tasks) {
        if (seenTasks.has(task)) continue
        try {
          if (readFileSync(`/proc/self/task/${task}/comm`, 'latin1').trim() === PROFILER_THREAD) profilerTids.add(Number(task))
        } catch {}
      }
      seenTasks = new Set(tasks)
    } catch {
      noProc = true
      return 0
    }
  }
  let us = 0
  for (const tid of profilerTids) {
    const cpu = threadCpuOf(tid)
    if (cpu === null) profilerTids.delete(tid)
    else us += cpu
  }
  return us
}
