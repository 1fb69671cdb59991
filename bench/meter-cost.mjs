// The budget meter's CPU per budgeted test (issue #11: the budgets-only overhead), measured in one process
// where the host's noise cannot hide it: a test's thread calls mark() at the test's start and measureSince() at
// its end (agent/meter.ts); this times many such pairs on the calling thread's own CPU clock, with 0, 8 and
// 64 idle worker threads below it (each read through /proc/self/task/<tid>/schedstat) and with 4 live child
// processes (each read through /proc/<pid>/stat). What a test pays is one pair.
//
// Then what the meter's preload costs where it is loaded (the budgets-only mode's fixed cost, which a whole
// suite's wall and CPU are too noisy on this host to show at 1%): in a worker thread, the thread's own CPU from
// its creation to its first line of code (/proc/thread-self/schedstat) with and without `--require` of the
// preload in its execArgv, interleaved; in a process (a vitest forks worker), `node -e 0` with and without it,
// CPU from this process's reaped-children clock in batches. A fork()ed child of a test pays nothing: the
// preload is not passed on (agent/meter.ts, withoutPreload), which the last row checks.
//
//   node bench/meter-cost.mjs        (needs dist/: npm run bench builds it)
import { createRequire } from 'node:module'
import { fork, spawn, spawnSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'

const meterFile = fileURLToPath(new URL('../dist/agent/meter.cjs', import.meta.url))
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
    // Each runs the meter's preload (as execArgv would give it) and idles.
    const w = new Worker(`require(${JSON.stringify(meterFile)}); setInterval(() => {}, 1 << 30)`, { eval: true })
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
  const firstLine = "const f = require('node:fs').readFileSync('/proc/thread-self/schedstat', 'latin1'); require('node:worker_threads').parentPort.postMessage(Number(f.split(' ')[0]) / 1000)"
  const workerStartUs = async (execArgv) => {
    const w = new Worker(firstLine, { eval: true, execArgv })
    const [us] = await Promise.all([new Promise((r) => w.once('message', r)), new Promise((r) => w.once('exit', r))])
    return us
  }
  const threads = { bare: [], meter: [] }
  for (let i = 0; i < 2; i++) await workerStartUs([])
  for (let i = 0; i < 30; i++) {
    threads.bare.push(await workerStartUs([]))
    threads.meter.push(await workerStartUs(['--require', meterFile]))
  }
  const reapedMs = () => {
    const f = readFileSync('/proc/self/stat', 'latin1')
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
    return (Number(rest[13]) + Number(rest[14])) * 10
  }
  const procs = { bare: [], meter: [] }
  const BATCH = 10
  for (let round = 0; round < 6; round++) {
    for (const [k, args] of [['bare', ['-e', '0']], ['meter', ['--require', meterFile, '-e', '0']]]) {
      const c0 = reapedMs()
      for (let i = 0; i < BATCH; i++) spawnSync(process.execPath, args)
      procs[k].push((reapedMs() - c0) / BATCH)
    }
  }
  // A test's fork(): started from a thread with the meter installed (as a vitest worker has it), it must not
  // receive the preload with the execArgv it inherits.
  const childFile = path.join(os.tmpdir(), `meter-cost-child-${process.pid}.cjs`)
  writeFileSync(childFile, 'process.send(process.execArgv, () => process.disconnect())')
  const forkedArgv = await new Promise((resolve) => {
    const w = new Worker(
      `const c = require('node:child_process').fork(${JSON.stringify(childFile)}); c.once('message', (m) => require('node:worker_threads').parentPort.postMessage(m))`,
      { eval: true, execArgv: ['--require', meterFile] },
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
  console.log('\npreload cost: CPU to start with and without the meter preload (medians; worker threads 30 interleaved, processes 6 batches of 10)')
  console.log('| where | without | with the preload | the preload |')
  console.log('|:--|--:|--:|--:|')
  console.log(`| a worker thread (its own CPU to its first line) | ${ms(t.bare)} | ${ms(t.meter)} | ${ms(t.meter - t.bare)} |`)
  console.log(`| a process (\`node -e 0\`: a vitest forks worker) | ${p.bare.toFixed(1)} ms | ${p.meter.toFixed(1)} ms | ${(p.meter - p.bare).toFixed(1)} ms |`)
  const leaked = forkedArgv.some((a) => a.includes('meter.cjs'))
  console.log(`| a test's fork()ed child | - | - | ${leaked ? 'the preload was passed on: BUG' : 'none (not passed on)'} |`)
  if (leaked) process.exitCode = 1
}
