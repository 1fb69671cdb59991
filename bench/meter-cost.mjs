// The budget meter's CPU per budgeted test (issue #11: the budgets-only overhead), measured in one process
// where the host's noise cannot hide it: a test's thread calls mark() at the test's start and measureSince() at
// its end (agent/meter.ts); this times many such pairs on the calling thread's own CPU clock, with 0, 8 and
// 64 idle worker threads below it (each read through /proc/self/task/<tid>/schedstat) and with 4 live child
// processes (each read through /proc/<pid>/stat). What a test pays is one pair.
//
// Then what the meter's preload (dist/agent/meter-hook.cjs) costs where it is loaded (the budgets-only mode's
// fixed cost, which a whole suite's wall and CPU are too noisy on this host to show at 1%): in a worker thread
// created by a thread with the meter (the preload installs the meter there), the thread's own CPU from its
// creation to its first line of code (/proc/thread-self/schedstat) with and without `--require` of the preload
// in its execArgv, interleaved; in a process (a vitest forks worker, where the preload only leaves its name:
// the setup file installs the meter), `node -e` with and without it, the process's CPU at its first line. A
// fork()ed child of a test is started without the preload (agent/meter.ts, withoutPreload), which the last row
// checks. Last, what our modules cost once per process: the plugin's entry in vitest's process, and in a test's,
// the budgets setup file with the meter it installs.
//
//   node bench/meter-cost.mjs        (needs dist/: npm run bench builds it)
import { createRequire } from 'node:module'
import { fork, spawn, spawnSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Worker } from 'node:worker_threads'
import { repoRoot } from './variants.mjs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const meterFile = fileURLToPath(new URL('../dist/agent/meter.cjs', import.meta.url))
const hookFile = fileURLToPath(new URL('../dist/agent/meter-hook.cjs', import.meta.url))
const { mark, measureSince } = createRequire(import.meta.url)(meterFile)
const cpuUs = () => {
  const u = process.threadCpuUsage?.() ?? process.cpuUsage()
  return u.user + u.system
}

function perPair(n) {
  for (let i = 0; i < 200; i++) measureSince(mark())
  const t0 = cpuUs()
  for (let i = 0; i < n; i++) measureSince(mark())
  return (cpuUs() - t0) / n
}

const workers = []
const children = []
async function addWorkers(k) {
  for (let i = 0; i < k; i++) {
    // Each runs the meter's preload (as execArgv would give it: this thread has the meter, so it installs it) and idles.
    const w = new Worker(`require(${JSON.stringify(hookFile)}); setInterval(() => {}, 1 << 30)`, { eval: true })
    await new Promise((r) => w.once('online', r))
    workers.push(w)
  }
}

const rows = []
rows.push(['no workers, no children', perPair(5000)])
await addWorkers(8)
rows.push(['8 idle workers', perPair(2000)])
await addWorkers(56)
rows.push(['64 idle workers', perPair(500)])
for (let i = 0; i < 4; i++) children.push(spawn('sleep', ['30'], { stdio: 'ignore' }))
await new Promise((r) => setTimeout(r, 100))
rows.push(['64 idle workers, 4 live children', perPair(500)])

console.log('meter cost: node bench/meter-cost.mjs, CPU of the test thread per budgeted test (one mark() + measureSince())')
console.log('| below the test thread | CPU per test |')
console.log('|:--|--:|')
for (const [what, us] of rows) console.log(`| ${what} | ${us < 1000 ? `${us.toFixed(0)} µs` : `${(us / 1000).toFixed(2)} ms`} |`)
for (const c of children) c.kill()
await Promise.all(workers.map((w) => w.terminate()))

// ---- what loading the preload costs ----
const median = (a) => {
  const s = [...a].sort((x, y) => x - y)
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2
}
// An expression: this thread's own CPU (us) from /proc/thread-self/schedstat, settled by a 20 µs sleep first.
const ownThreadUs =
  "(Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 0.02), Number(require('node:fs').readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1000)"
const hasProc = (() => {
  try {
    return readFileSync('/proc/self/stat', 'latin1').length > 0
  } catch {
    return false
  }
})()
if (!hasProc) console.log('\npreload cost: skipped (no /proc here: the per-thread and per-process clocks it reads)')
else {
  // The worker reads its own thread's CPU as its first line: its start (Node's bootstrap, then the preload).
  // A 20 µs sleep first brings the figure up to date (agent/cpu-clock.ts settleCpuClock: read while running it
  // lags by up to a 4 ms tick, and the medians of such readings were off by whole ticks).
  const firstLine = `const us = ${ownThreadUs}; require('node:worker_threads').parentPort.postMessage(us)`
  const workerStartUs = async (execArgv) => {
    const w = new Worker(firstLine, { eval: true, execArgv })
    const [us] = await Promise.all([new Promise((r) => w.once('message', r)), new Promise((r) => w.once('exit', r))])
    return us
  }
  const threads = { bare: [], meter: [] }
  for (let i = 0; i < 2; i++) await workerStartUs([])
  for (let i = 0; i < 30; i++) {
    threads.bare.push(await workerStartUs([]))
    threads.meter.push(await workerStartUs(['--require', hookFile]))
  }
  // A process's CPU (every thread of it) at its first line: getrusage is exact for the calling thread. (Its
  // reaped-children ticks, counted over batches of 10 processes, gave 2-17 ms for the same preload.) The line
  // first loads child_process, as a vitest forks worker has it loaded before any test (its IPC: seen in
  // process.moduleLoadList there, with net and internal/child_process): what the preload adds to such a process.
  const processFirstLine = "require('node:child_process'); const u = process.cpuUsage(); process.stdout.write(String(u.user + u.system))"
  const procs = { bare: [], meter: [] }
  for (let round = 0; round < 30; round++) {
    for (const [k, args] of [['bare', ['-e', processFirstLine]], ['meter', ['--require', hookFile, '-e', processFirstLine]]]) {
      procs[k].push(Number(spawnSync(process.execPath, args, { encoding: 'utf8' }).stdout) / 1000)
    }
  }
  // A test's fork(): started from a thread with the meter installed (as a vitest worker has it), it must not
  // receive the preload with the execArgv it inherits.
  const childFile = path.join(os.tmpdir(), `meter-cost-child-${process.pid}.cjs`)
  writeFileSync(childFile, 'process.send(process.execArgv, () => process.disconnect())')
  const forkedArgv = await new Promise((resolve) => {
    const w = new Worker(
      `const c = require('node:child_process').fork(${JSON.stringify(childFile)}); c.once('message', (m) => require('node:worker_threads').parentPort.postMessage(m))`,
      { eval: true, execArgv: ['--require', hookFile] },
    )
    w.once('message', (m) => {
      resolve(m)
      w.terminate()
    })
  })
  rmSync(childFile, { force: true })
  const ms = (us) => `${(us / 1000).toFixed(2)} ms`
  const t = { bare: median(threads.bare), meter: median(threads.meter) }
  const p = { bare: median(procs.bare), meter: median(procs.meter) }
  console.log('\npreload cost: CPU to start with and without the meter preload (medians of 30, interleaved)')
  console.log('| where | without | with the preload | the preload |')
  console.log('|:--|--:|--:|--:|')
  console.log(`| a worker thread (its own CPU to its first line) | ${ms(t.bare)} | ${ms(t.meter)} | ${ms(t.meter - t.bare)} |`)
  console.log(`| a process that has child_process loaded (a vitest forks worker) | ${p.bare.toFixed(1)} ms | ${p.meter.toFixed(1)} ms | ${(p.meter - p.bare).toFixed(1)} ms |`)
  const leaked = forkedArgv.some((a) => a.includes('meter-hook.cjs'))
  console.log(`| a test's fork()ed child | - | - | ${leaked ? 'the preload was passed on: BUG' : 'none (not passed on)'} |`)
  if (leaked) process.exitCode = 1
  await timedInThread()
  moduleCosts()
}

// ---- the preload timed inside the thread that loads it ----
// The rows above are differences of two starts of 30-130 ms on this host, whose noise is a few ms. Here the
// preload is required by a one-line wrapper preload that reads the thread's own CPU around it (settled first:
// agent/cpu-clock.ts): what our file costs that thread, its read and compile included, the --require itself not.
async function timedInThread() {
  const wrapper = path.join(os.tmpdir(), `meter-cost-wrapper-${process.pid}.cjs`)
  writeFileSync(wrapper, `const t0 = ${ownThreadUs}; require(${JSON.stringify(hookFile)}); globalThis.__hookUs = ${ownThreadUs} - t0`)
  const inWorker = "require('node:worker_threads').parentPort.postMessage(globalThis.__hookUs)"
  const workerUs = []
  const processUs = []
  for (let i = 0; i < 30; i++) {
    const w = new Worker(inWorker, { eval: true, execArgv: ['--require', wrapper] })
    const [us] = await Promise.all([new Promise((r) => w.once('message', r)), new Promise((r) => w.once('exit', r))])
    workerUs.push(us)
    processUs.push(Number(spawnSync(process.execPath, ['--require', wrapper, '-e', 'process.stdout.write(String(globalThis.__hookUs))'], { encoding: 'utf8' }).stdout))
  }
  rmSync(wrapper, { force: true })
  console.log('\npreload cost, timed in the thread that loads it (its own CPU around the require; medians of 30)')
  console.log('| where | the preload |')
  console.log('|:--|--:|')
  console.log(`| a worker thread created by a thread with the meter (installs it) | ${(median(workerUs) / 1000).toFixed(2)} ms |`)
  console.log(`| a process's main thread (a vitest forks worker: the setup file installs the meter) | ${(median(processUs) / 1000).toFixed(2)} ms |`)
}

// ---- what importing our modules costs, once per process ----
// In vitest's own process, the plugin's entry (imported from the user's config; every run pays it, profiling
// or not); in each test process, the budgets setup file (dist/agent/setup.js, which the per-run stub imports).
// Each in a fresh process with what vitest has loaded by then already loaded, a GC first (the heap vitest left
// may be due one, which is not ours), then the process's CPU (every thread: V8 compiles on helper threads) for
// the import, against importing a module of one line in the same state. 12 rounds, interleaved; medians.
function moduleCosts() {
  const dist = path.join(path.dirname(meterFile), '..')
  const url = (f) => JSON.stringify(pathToFileURL(path.join(dist, f)).href)
  const timed = (before, what) =>
    `const cpu = () => { const u = process.cpuUsage(); return u.user + u.system }; ${before}; globalThis.gc(); const t0 = cpu(); ${what}; process.stdout.write(String(cpu() - t0))`
  const oneLine = `await import('data:text/javascript,export default 1')`
  const cases = [
    ['the plugin, in vitest\'s process (its entry, and profiler() called)', [], "await import('vitest/node'); await import('picocolors')", `const m = await import(${url('index.js')}); m.default({})`],
    ['the budgets setup file and the meter it installs, in a test process (preload loaded)', ['--require', hookFile], "await import('vitest'); await import('node:child_process')", `const m = await import(${url('agent/setup.js')}); m.installMeter()`],
  ]
  const rows = []
  for (const [what, preArgs, before, body] of cases) {
    const ours = []
    const empty = []
    for (let round = 0; round < 12; round++) {
      for (const [into, code] of [[ours, timed(before, body)], [empty, timed(before, oneLine)]]) {
        const r = spawnSync(process.execPath, [...preArgs, '--expose-gc', '--input-type=module', '-e', code], { cwd: repoRoot, encoding: 'utf8' })
        if (r.status !== 0) throw new Error(`module cost (${what}) failed: ${r.stderr.slice(0, 400)}`)
        into.push(Number(r.stdout) / 1000)
      }
    }
    rows.push([what, median(empty), median(ours)])
  }
  console.log('\nmodule cost: CPU of importing our modules, once per process (medians of 12, interleaved with a one-line module)')
  console.log('| what | a one-line module | ours | ours, extra |')
  console.log('|:--|--:|--:|--:|')
  for (const [what, empty, ours] of rows) console.log(`| ${what} | ${empty.toFixed(2)} ms | ${ours.toFixed(2)} ms | ${(ours - empty).toFixed(2)} ms |`)
}
