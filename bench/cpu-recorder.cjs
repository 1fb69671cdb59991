// Preloaded (`--require`) by bench/budgets-split.mjs into vitest's process, its test processes and the Node
// children the tests start. In a process's main thread (nothing in worker threads: their CPU is in their process's
// figure), it appends one JSON line to $BUDGET_SPLIT_OUT when the process ends: the process's CPU, its main
// thread's, the reaped descendants', and its main thread's GC, so the bench can say which process the budgets
// cost lands in.
//
// "When the process ends" has three paths, and each must be caught or that process is missing from the split:
// - a normal end: the 'exit' event;
// - vitest's forks worker leaves through process.reallyExit(), which skips 'exit' listeners;
// - vitest stops a forks worker with SIGTERM (ForksPoolWorker.stop): recorded, then the signal is raised again
//   with the default action, so the process ends as it would have.
'use strict'
const fs = require('node:fs')

const out = process.env.BUDGET_SPLIT_OUT
// A worker thread's process.chdir is Node's disabled stub (lib/internal/bootstrap/switches/
// does_not_own_process_state.js): the same test as src/agent/meter-hook.ts, without loading worker_threads.
const inWorker = process.chdir && process.chdir.disabled === true
if (out && !inWorker) {
  let gcMs = 0
  let gcCount = 0
  try {
    const { PerformanceObserver } = require('node:perf_hooks')
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gcMs += e.duration
        gcCount++
      }
    }).observe({ entryTypes: ['gc'] })
  } catch {}

  /** This thread's CPU (ms): Node 22.19+ has process.threadCpuUsage; Node 20 on Linux has schedstat. */
  const threadMs = () => {
    if (typeof process.threadCpuUsage === 'function') {
      const u = process.threadCpuUsage()
      return (u.user + u.system) / 1000
    }
    try {
      return Number(fs.readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6
    } catch {
      return null
    }
  }
  /**
   * CPU (ms) of the reaped descendants (cutime + cstime), USER_HZ 100; null off Linux. Not harness.mjs's
   * procCpuMs: a preload must not load the bench's ESM helpers into the measured process (they install signal
   * handlers there).
   */
  const reapedMs = () => {
    try {
      const f = fs.readFileSync('/proc/self/stat', 'latin1')
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
      return (Number(rest[13]) + Number(rest[14])) * 10
    } catch {
      return null
    }
  }

  const script = process.argv[1] || ''
  const role = /vitest\.mjs$/.test(script) ? 'vitest' : /[/\\]vitest[/\\]dist[/\\]workers[/\\]/.test(script) ? 'test process' : 'node child'
  let written = false
  const record = () => {
    if (written) return
    written = true
    const u = process.cpuUsage()
    const line = { role, pid: process.pid, cpuMs: (u.user + u.system) / 1000, mainThreadMs: threadMs(), reapedMs: reapedMs(), gcMs, gcCount }
    try {
      fs.appendFileSync(out, JSON.stringify(line) + '\n')
    } catch {}
  }
  process.on('exit', record)
  const reallyExit = process.reallyExit
  process.reallyExit = function (...args) {
    try {
      record()
    } catch {}
    return reallyExit.apply(this, args)
  }
  process.on('SIGTERM', function onTerm() {
    try {
      record()
    } catch {}
    process.removeListener('SIGTERM', onTerm)
    process.kill(process.pid, 'SIGTERM')
  })
}
