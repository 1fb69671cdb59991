#!/usr/bin/env node
// Where the bench's extra CPU goes, per thread: runs the bench suite (bench/fixtures/tinypool-cpu) plain,
// profiled and under `node --cpu-prof`, interleaved, each under Linux `perf record` (999 Hz, every thread of the
// process tree), and prints the median CPU milliseconds per thread role:
//   main:*   vitest's main process (main thread; `other` = its helper threads, GC and compiler)
//   fork:*   the forked test process: its main thread, the two tinypool workers, V8's sampler threads
//            (`v8:ProfEvntProc`), and `other` (GC and compiler helpers, our watchdog, libuv)
// CPU is far steadier than wall time on a shared host (perf counts on-CPU time of each thread), so this finds
// costs of a few tens of ms that the wall-clock bench cannot separate from noise. It is how the watchdog's
// cost was found (README, "Overhead").
//
//   node bench/perf-threads.mjs [--reps 4] [--interval US]     (needs `perf` and a built dist/)
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { median } from './paired.mjs'
import { VARIANTS, fixture, installProfiler, variantCommand } from './variants.mjs'

const args = process.argv.slice(2)
const opt = (name, dflt) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : dflt)
const reps = opt('reps', 4)
const interval = opt('interval', 2000)
if (spawnSync('perf', ['--version']).status !== 0) die('needs Linux `perf` on PATH (apt-get install linux-perf)')
const notInstalled = installProfiler()
if (notInstalled) die(notInstalled)

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-perf-'))
const cpuDir = path.join(scratch, 'cpu-prof')
// Labels as run.mjs prints them; interval 2000 is the profiler's default, so no BENCH_INTERVAL for it.
const commands = Object.fromEntries(
  VARIANTS.map((v) => [v.label, variantCommand(v.id, { interval: interval === 2000 ? 0 : interval, cpuProfDir: cpuDir, cpuProfIntervalUs: interval })]),
)

const rows = Object.fromEntries(Object.keys(commands).map((k) => [k, []]))
const nameWidth = Math.max(...Object.keys(commands).map((k) => k.length)) + 2
for (let rep = 0; rep < reps; rep++) {
  for (const [name, v] of Object.entries(commands)) {
    const data = path.join(scratch, 'perf.data')
    fs.rmSync(cpuDir, { recursive: true, force: true })
    const env = { ...process.env, ...v.env, CI: 'true', FORCE_COLOR: '0' }
    spawnSync('perf', ['record', '-F', '999', '-q', '-o', data, '--', process.execPath, ...v.argv], { cwd: fixture, env, stdio: 'ignore' })
    const script = execFileSync('perf', ['script', '-i', data, '-F', 'comm,pid,tid'], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] })
    rows[name].push(byRole(script))
    console.log(`rep ${rep + 1} ${name.padEnd(nameWidth)} ${JSON.stringify(rows[name].at(-1))}`)
  }
}
fs.rmSync(scratch, { recursive: true, force: true })

const roles = [...new Set(Object.values(rows).flat().flatMap((r) => Object.keys(r)))].sort()
const head = ['variant', 'total', ...roles]
console.log(`\nmedian on-CPU ms per thread role (perf, 999 Hz), ${reps} interleaved reps, interval ${interval} µs`)
const width = (h) => Math.max(8, h.length) + 2
console.log(head.map((h, i) => (i ? h.padStart(width(h)) : h.padEnd(nameWidth))).join(''))
for (const [name, rs] of Object.entries(rows)) {
  const cells = [median(rs.map((r) => Object.values(r).reduce((a, b) => a + b, 0))), ...roles.map((k) => median(rs.map((r) => r[k] ?? 0)))]
  console.log(name.padEnd(nameWidth) + cells.map((c, i) => String(Math.round(c)).padStart(width(head[i + 1]))).join(''))
}

/** perf samples (1 per ms of CPU at 999 Hz) per process role and thread role. */
function byRole(script) {
  const perThread = new Map()
  let first = null
  for (const line of script.split('\n')) {
    const m = /^\s*(.*?)\s+(\d+)\/(\d+)\s*$/.exec(line)
    if (!m) continue
    const [, comm, pid, tid] = m
    first ??= pid
    const key = `${pid}/${tid}`
    const t = perThread.get(key) ?? { pid, tid, comm, n: 0 }
    t.n++
    perThread.set(key, t)
  }
  const byPid = new Map()
  for (const t of perThread.values()) byPid.set(t.pid, [...(byPid.get(t.pid) ?? []), t])
  const out = {}
  for (const [pid, threads] of byPid) {
    // The process that perf started is vitest's main process; the forked test process is the busiest other one.
    const total = threads.reduce((s, t) => s + t.n, 0)
    const proc = pid === first ? 'main' : total > 1000 ? 'fork' : 'other-proc'
    const plainThreads = threads.filter((t) => t.tid !== pid && t.comm !== 'v8:ProfEvntProc').sort((a, b) => b.n - a.n)
    const workers = new Set(proc === 'fork' ? plainThreads.slice(0, 2).map((t) => t.tid) : [])
    for (const t of threads) {
      const role = t.tid === pid ? 'main' : t.comm === 'v8:ProfEvntProc' ? 'sampler' : workers.has(t.tid) ? 'workers' : 'other'
      out[`${proc}:${role}`] = (out[`${proc}:${role}`] ?? 0) + t.n
    }
  }
  return out
}

function die(msg) {
  console.error(`perf-threads: ${msg}`)
  process.exit(2)
}
