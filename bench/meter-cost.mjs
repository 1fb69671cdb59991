// The budget meter's CPU per budgeted test (issue #11: the budgets-only overhead), measured in one process
// where the host's noise cannot hide it: a test's thread calls mark() at the test's start and measureSince() at
// its end (agent/meter.ts); this times many such pairs on the calling thread's own CPU clock, with 0, 8 and
// 64 idle worker threads below it (each read through /proc/self/task/<tid>/schedstat) and with 4 live child
// processes (each read through /proc/<pid>/stat). What a test pays is one pair.
//
//   node bench/meter-cost.mjs        (needs dist/: npm run bench builds it)
import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'
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
