/**
 * The calibration probe (budgets/calibration.ts has the model that reads it): a fixed piece of work, run in a
 * fresh Node process of its own before and after a gate run's tests (and after each re-run), so that the gate
 * can tell how much slower this machine is now than when the baseline was made.
 *
 * Why a process of its own, not the vitest process: a forks pool's tests run in fresh Node processes, each with
 * V8's helper threads and a heap of a test runner's size. The vitest process's heap differs between a profiled
 * baseline and a plain gate run, and grows with the suite: the memory part's GC cost would move for reasons
 * that are not the machine's. A fresh process with a fixed live heap measures the same work every time.
 *
 * The clock is the probe's main-thread CPU, as a test's is: `process.threadCpuUsage` (Node >= 22.19), each read
 * after a 20 µs sleep that brings it up to date (as the budget meter does: agent/cpu-clock.ts); else
 * Linux's /proc/thread-self/schedstat, whose figure only moves at the scheduler's ticks (4 ms here, coarse for
 * 10-20 ms parts): the arithmetic part, which never blocks, is its wall time less its time in the run queue (the
 * file's second field); the memory part, whose thread can block on the GC's helpers, waits for the figure to
 * move at both ends and takes those waits out again; else `process.cpuUsage` (the whole process: the memory
 * part then includes its helpers, and their CPU is not told apart).
 *
 * Cost, measured on the bench host: about 0.5 s of CPU per probe, 0.1 s of it Node's start (a process start,
 * a small live heap, a warm-up, then 4 repetitions of a 5 ms and an 80 ms part, and the helpers' CPU meanwhile).
 */
import { spawn } from 'node:child_process'
import { debug } from '../agent/debug.js'
import { PROBE_VERSION, type Calibration } from '../budgets/calibration.js'

export const PROBE_REPS = 4
const TIMEOUT_MS = 15_000

interface ProbeOutput {
  probe: number
  clock: 'thread' | 'process'
  arithmeticUs: number[]
  memoryUs: number[]
  helpersUs: number[]
}

/**
 * The probe's own program. It runs in the probe process as `(source)(require, reps, version)`: everything it
 * uses is inside it (its source text is all that process gets).
 */
export function probeMain(req: (id: string) => unknown, reps: number, version: number): void {
  /**
   * Keys per memory repetition (about 60-110 ms of CPU here). Probe version 1 used 25,000 (8-22 ms): its tables
   * stayed in a core's own 1 MB cache, and on bench/gate.mjs's host it did not see what moved a Map/Set test
   * of 100,000 keys by up to 2.5x (the shared cache's load from outside this machine, present with nothing
   * else running: 87-244 ms in a bare node process). Measured side by side over 60 s with one core busy: the
   * 25,000-key part followed that test with a correlation of 0.50 and was mostly its clock's 4 ms steps; at
   * 100,000 keys 0.70, with the test's own amplitude (p90/p10 1.92 against 1.94).
   */
  const MEMORY_KEYS = 100_000
  const fs = req('node:fs') as typeof import('node:fs')
  const processUs = () => {
    const u = process.cpuUsage()
    return u.user + u.system
  }
  let clock: 'thread' | 'process' = 'process'
  // main: the main thread's CPU; all: the process's (main + helpers), both in µs.
  let measure = (fn: () => unknown): { main: number; all: number } => {
    const p0 = processUs()
    fn()
    const p = processUs() - p0
    return { main: p, all: p }
  }
  // For code that never blocks nor allocates (the arithmetic part); the same as `measure` but on schedstat.
  let measureCompute = (fn: () => unknown) => measure(fn)
  const threadCpuUsage = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage
  if (typeof threadCpuUsage === 'function') {
    clock = 'thread'
    // threadCpuUsage lags a running thread by up to a scheduler tick, as schedstat does; a 20 µs sleep first
    // makes it current (agent/cpu-clock.ts settleCpuClock: 4 ms of error on an 80 ms part otherwise).
    const cell = new Int32Array(new SharedArrayBuffer(4))
    const own = () => {
      Atomics.wait(cell, 0, 0, 0.02)
      const u = threadCpuUsage.call(process)
      return u.user + u.system
    }
    measure = (fn) => {
      const t0 = own()
      const p0 = processUs()
      fn()
      const p1 = processUs()
      return { main: own() - t0, all: p1 - p0 }
    }
  } else {
    let fd = -1
    try {
      fd = fs.openSync('/proc/thread-self/schedstat', 'r')
    } catch {}
    const buf = Buffer.alloc(128)
    // [on-CPU µs, µs waited in the run queue]
    const read = (): [number, number] => {
      const f = buf.toString('latin1', 0, fs.readSync(fd, buf, 0, buf.length, 0)).split(' ')
      return [Number(f[0]) / 1000, Number(f[1]) / 1000]
    }
    if (fd >= 0 && Number.isFinite(read()[0])) {
      clock = 'thread'
      // Right after the figure moved it is exact; 20 ms without a move (a tickless CPU) and it is taken as it is.
      // Each time is taken before its read: a thread is preempted where a read's system call returns, and that
      // wait is then in neither the wall time nor the figures.
      const moved = () => {
        const [v] = read()
        const t0 = performance.now()
        let at = performance.now()
        let r = read()
        while (r[0] === v && at - t0 < 20) {
          at = performance.now()
          r = read()
        }
        return { cpu: r[0], delay: r[1], at }
      }
      // Each measurement starts where the last one's wait ended (the first waits for itself): one wait per part.
      let last: ReturnType<typeof moved> | null = null
      measure = (fn) => {
        last ??= moved()
        const p0 = processUs()
        fn()
        const end = performance.now()
        const delayAtEnd = read()[1]
        const p1 = processUs()
        const b = moved()
        const wait = Math.max(0, (b.at - end) * 1000 - (b.delay - delayAtEnd))
        const main = Math.max(0, b.cpu - last.cpu - wait)
        last = b
        return { main, all: p1 - p0 }
      }
      // Code that never blocks runs whenever it is not waiting in the run queue: its CPU is its wall time less
      // that wait, exact without waiting for a tick. Each time is taken before its read (a preemption where the
      // read returns is then outside both); read the other way round, a 5.4 ms part once read 3.2 ms.
      measureCompute = (fn) => {
        last = null
        const t0 = performance.now()
        const d0 = read()[1]
        fn()
        const t1 = performance.now()
        const d1 = read()[1]
        return { main: Math.max(0, (t1 - t0) * 1000 - (d1 - d0)), all: 0 }
      }
    }
  }
  // The core: integer and float arithmetic, nothing allocated.
  const arithmetic = () => {
    let x = 0
    let y = 1
    for (let i = 0; i < 1_000_000; i++) {
      x = (x * 31 + i) % 1_000_003
      y = y * 0.9999 + (i & 7)
    }
    return x + y
  }
  // A live heap, as a test's process has one (its runner, its modules): what the GC's marking walks.
  const live: unknown[] = []
  for (let i = 0; i < 30_000; i++) live.push({ i, s: `live${i}`, a: [i] })
  // Hash tables of fresh strings and objects: scattered reads and writes over several MB (past a core's own
  // cache, into the one the host's cores share), allocation, GC with V8's helper threads. Compiled afresh for
  // each repetition, as a test file's code is (the optimizing compiler runs on a background thread too).
  const memorySource =
    "const sets = new Map(); const objs = []; for (let i = 0; i < n; i++) { const k = 'k' + ((i * 2654435761) % 1000003) + '.' + salt; let s = sets.get(i & 7); if (!s) { s = new Set(); sets.set(i & 7, s) } s.add(k); if ((i & 3) === 0) objs.push({ k, i, v: [i] }) } let t = 0; for (const s of sets.values()) t += s.size; return t + objs.length"
  const memory = (rep: number) => (new Function('n', 'salt', memorySource) as (n: number, salt: string) => number)(MEMORY_KEYS, `${rep}.${Math.random()}`)
  const out = { probe: version, clock, arithmeticUs: [] as number[], memoryUs: [] as number[], helpersUs: [] as number[], live: 0 }
  arithmetic()
  arithmetic()
  memory(-1)
  for (let r = 0; r < reps; r++) {
    out.arithmeticUs.push(measureCompute(arithmetic).main)
    const m = measure(() => memory(r))
    out.memoryUs.push(m.main)
    if (clock === 'thread') out.helpersUs.push(Math.max(0, m.all - m.main))
  }
  out.live = live.length
  process.stdout.write(JSON.stringify(out))
}

const msOf = (us: number[]) => us.map((u) => Math.round(u / 10) / 100)

/** The probe's figures as a calibration record, or what went wrong (never throws). */
export async function runCalibrationProbe(reps = PROBE_REPS): Promise<Calibration | { error: string }> {
  const started = performance.now()
  // None of the user's NODE_OPTIONS (an --inspect port, a --require hook) nor coverage: the same bare process every time.
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  delete env.NODE_V8_COVERAGE
  const source = `(${probeMain.toString()})(require, ${reps}, ${PROBE_VERSION})`
  const result = await new Promise<{ out: string; err: string; code: number | null; error?: string }>((resolve) => {
    let out = ''
    let err = ''
    let child: ReturnType<typeof spawn>
    try {
      child = spawn(process.execPath, ['-e', source], { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true })
    } catch (e) {
      resolve({ out, err, code: null, error: (e as Error).message })
      return
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS)
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (err += d))
    child.on('error', (e) => {
      clearTimeout(timer)
      resolve({ out, err, code: null, error: e.message })
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ out, err, code, ...(signal ? { error: `ended by ${signal}${signal === 'SIGKILL' ? ` (over ${TIMEOUT_MS / 1000} s?)` : ''}` } : {}) })
    })
  })
  const failed = (why: string) => {
    debug('gate', `calibration probe failed: ${why}`)
    return { error: why }
  }
  if (result.error) return failed(result.error)
  if (result.code !== 0) return failed(`exit code ${result.code}${result.err ? `: ${result.err.trim().split('\n').slice(-1)[0]}` : ''}`)
  let o: ProbeOutput
  try {
    o = JSON.parse(result.out) as ProbeOutput
  } catch {
    return failed('its output is not JSON')
  }
  const ok = (xs: unknown) => Array.isArray(xs) && xs.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)
  if (o.probe !== PROBE_VERSION || (o.clock !== 'thread' && o.clock !== 'process') || !ok(o.arithmeticUs) || !ok(o.memoryUs) || !ok(o.helpersUs) || o.memoryUs.length === 0) {
    return failed('its output is not a probe record')
  }
  const c: Calibration = { probe: o.probe, clock: o.clock, arithmeticMs: msOf(o.arithmeticUs), memoryMs: msOf(o.memoryUs), helpersMs: msOf(o.helpersUs) }
  debug('gate', `calibration probe (${c.clock} clock) in ${(performance.now() - started).toFixed(0)} ms: arithmetic ${c.arithmeticMs.join(', ')} ms; memory ${c.memoryMs.join(', ')} ms; helpers ${c.helpersMs.join(', ')} ms`)
  return c
}
