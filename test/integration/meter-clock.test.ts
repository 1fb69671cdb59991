import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expect, test } from 'vitest'
import { repoRoot } from '../helpers/run-fixture.js'

// The budget meter's figure for the test's own thread is exact, with no error bound (agent/cpu-clock.ts,
// settleCpuClock): read while the thread runs, Linux's per-thread figure (schedstat, and getrusage(RUSAGE_THREAD)
// behind Node 24's threadCpuUsage) lags by up to a scheduler tick, so a window was off by up to ±4 ms here and
// the meter had to carry an 8 ms bound on every figure. Checked in a process of its own, on windows of 0.3-3 ms
// of arithmetic that allocates nothing, against an independent figure: the process's CPU clock
// (getrusage(RUSAGE_SELF), which Linux brings up to date for the calling thread) less what its other threads
// spent meanwhile (their schedstat; V8's background threads ran 1.2 ms in one window on Node 24). A window
// where another thread ran is left out: that thread's own figure lags by up to a tick, as ours did. A young
// generation emptied before each window (a minor GC, which leaves no background work) keeps V8's collector out
// of it: under load one window (the 48th, in two runs: where the meter's own allocations would fill the young
// generation) was off by 0.8-1 ms, as a scavenge inside it would make it (its parallel helpers' CPU in the
// process clock, not in their schedstat read); with the minor GC first, 8 runs of 8 under load held.
const meterFile = path.join(repoRoot, 'dist', 'agent', 'meter.cjs')
const linux = fs.existsSync('/proc/thread-self/schedstat')

test.runIf(linux)("the test thread's CPU is exact, with no bound, in every window", () => {
  const script = `
    const { mark, measureSince } = require(${JSON.stringify(meterFile)})
    const fs = require('node:fs')
    const me = fs.readlinkSync('/proc/thread-self').split('/').pop()
    const others = () => {
      let us = 0
      for (const t of fs.readdirSync('/proc/self/task')) {
        if (t === me) continue
        try { us += Number(fs.readFileSync('/proc/self/task/' + t + '/schedstat', 'latin1').split(' ')[0]) / 1000 } catch {}
      }
      return us
    }
    const processUs = () => { const u = process.cpuUsage(); return u.user + u.system }
    // The other threads are read outside the window at both ends (reading them costs this thread CPU).
    const atStart = () => { const o = others(); return { p: processUs(), o } }
    const atEnd = () => { const p = processUs(); return { p, o: others() } }
    const spin = (n) => { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003; return x }
    // Warm: the spin and the meter's own functions optimized first (V8 compiles them on a background thread,
    // whose CPU the process clock would count).
    for (let w = 0; w < 20; w++) measureSince(mark(spin(2e5)))
    const out = []
    for (let w = 0; w < 60; w++) {
      const n = 100000 + ((w * 7919) % 10) * 100000
      gc({ type: 'minor' })
      const s0 = atStart()
      const m = mark()
      spin(n)
      const r = measureSince(m)
      const s1 = atEnd()
      out.push({ w, main: r.mainUs, bound: r.boundUs, truth: s1.p - s0.p - (s1.o - s0.o), others: s1.o - s0.o })
    }
    process.stdout.write(JSON.stringify(out))`
  const run = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' })
  expect(run.status, run.stderr).toBe(0)
  const all = JSON.parse(run.stdout) as { w: number; main: number; bound: number; truth: number; others: number }[]
  expect(all.map((w) => w.bound)).toEqual(all.map(() => 0))
  const windows = all.filter((w) => w.others < 50)
  expect(windows.length).toBeGreaterThanOrEqual(20)
  // The process clock's window also holds mark()'s and measureSince()'s own few µs; 0.5 ms is an eighth of a tick.
  const off = windows.filter((w) => Math.abs(w.main - w.truth) > 500)
  expect(off, `windows off by more than 0.5 ms (of ${windows.length})`).toEqual([])
  expect(Math.min(...windows.map((w) => w.truth))).toBeGreaterThan(100)
})
