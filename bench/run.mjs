#!/usr/bin/env node
// Overhead bench: one CPU-bound tinypool suite (bench/fixtures/tinypool-cpu) run three ways in ONE invocation,
//   plain      `vitest run`
//   profiled   `vitest-profile run` (dist/ installed into the suite's node_modules, default options)
//   cpu-prof   `node --cpu-prof` on vitest's main process, and --cpu-prof in test.execArgv for its workers
//              (inherited by the tinypool threads), at the interval the profiled run used (read from its
//              spool: each rep runs the profiled variant first)
// interleaved (A B C A B C ...) so drifting machine load hits every variant alike, with medians of wall time
// and of CPU time (user+sys of the whole process tree), and ratios against plain.
//
//   node bench/run.mjs [--reps 5] [--warmup 1] [--scale 1] [--timeout 180] [--interval US]
//   (npm run bench builds dist/ first; --interval profiles at that sampling interval instead of the default)
//
// Exit status 1 if any measured run failed (its numbers are still shown, marked).
import { spawn, execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { median as med, medianInterval, verdict } from './paired.mjs'
import { VARIANTS, fixture, installProfiler, repoRoot, variantCommand } from './variants.mjs'

const scratch = path.join(repoRoot, '.cache', 'bench')

const opts = parseArgs(process.argv.slice(2))
/** The issue's overhead target for `vitest-profile run` at the default interval (wall, against `vitest run`). */
const TARGET = 1.05
/** Sampling interval (µs) of the last profiled run, from its spool; `--cpu-prof` samples at the same rate. */
let profiledIntervalUs = 1000
const notInstalled = installProfiler()
if (notInstalled) die(notInstalled)
const cpuMeter = pickCpuMeter()

console.log(
  `bench: ${path.relative(repoRoot, fixture)}, ${opts.reps} interleaved reps (+${opts.warmup} warm-up), ` +
    `node ${process.version}, ${os.availableParallelism?.() ?? os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ` +
    `CPU from ${cpuMeter.name}`,
)
fs.rmSync(scratch, { recursive: true, force: true })
fs.mkdirSync(scratch, { recursive: true })

// A detached run would outlive a Ctrl-C of the bench: take it down too.
let current = null
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    try {
      current?.()
    } catch {}
    process.exit(130)
  })
}

const results = Object.fromEntries(VARIANTS.map((v) => [v.id, []]))
for (let rep = -opts.warmup; rep < opts.reps; rep++) {
  for (const v of VARIANTS) {
    const r = await measure(v, rep)
    const tag = rep < 0 ? 'warm-up' : `rep ${rep + 1}`
    console.log(
      `  ${tag.padEnd(7)} ${v.label.padEnd(19)} wall ${fmtS(r.wallMs)}  cpu ${r.cpuMs === null ? '   n/a' : fmtS(r.cpuMs)}` +
        `  ${r.detail}${r.code === 0 ? '' : `  FAILED (exit ${r.code ?? r.signal})`}`,
    )
    if (r.code !== 0) fs.writeFileSync(path.join(scratch, `failed-${v.id}-${rep}.log`), r.output)
    if (rep >= 0) results[v.id].push(r)
  }
}
printTable()
const failed = Object.values(results).flat().filter((r) => r.code !== 0).length
if (failed) console.log(`\n${failed} run(s) failed: logs in ${path.relative(repoRoot, scratch)}/failed-*.log`)
process.exitCode = failed ? 1 : 0

async function measure(variant, rep) {
  const cpuDir = path.join(scratch, `cpu-prof-${rep + opts.warmup}`)
  const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true', BENCH_SCALE: String(opts.scale) }
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k.startsWith('BENCH_INTERVAL') || k === 'NODE_OPTIONS') delete env[k]
  const command = variantCommand(variant.id, { interval: opts.interval, cpuProfDir: cpuDir, cpuProfIntervalUs: profiledIntervalUs })
  Object.assign(env, command.env)
  if (variant.id === 'profiled') fs.rmSync(path.join(fixture, '.vitest-profile'), { recursive: true, force: true })
  const before = cpuMeter.read()
  const t0 = process.hrtime.bigint()
  const [cmd, args] = cpuMeter.wrap([process.execPath, ...command.argv])
  // Own process group (not on Windows), so a run that hangs can be ended with everything it started.
  const group = process.platform !== 'win32'
  const child = spawn(cmd, args, { cwd: fixture, env, stdio: ['ignore', 'pipe', 'pipe'], detached: group })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  current = () => (group ? process.kill(-child.pid, 'SIGKILL') : child.kill('SIGKILL'))
  const timer = setTimeout(() => {
    output += `\nbench: killed after ${opts.timeout} s\n`
    try {
      if (group) process.kill(-child.pid, 'SIGKILL')
      else child.kill('SIGKILL')
    } catch {}
  }, opts.timeout * 1000)
  const [code, signal] = await new Promise((resolve) => child.on('close', (c, s) => resolve([c, s])))
  clearTimeout(timer)
  current = null
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
  const after = cpuMeter.read(output)
  const cpuMs = before === null || after === null ? null : after - before
  let detail = ''
  let samples = null
  if (variant.id === 'profiled') ({ detail, samples } = profiledSamples())
  if (variant.id === 'cpuprof') ({ detail, samples } = cpuProfSamples(cpuDir))
  return { wallMs, cpuMs, code, signal, output, detail, samples }
}

/** Samples the profiled run received, straight from its spool (chunk events), and threads seen vs. flushed. */
function profiledSamples() {
  const runs = path.join(fixture, '.vitest-profile', 'runs')
  const runId = fs.existsSync(runs) ? fs.readdirSync(runs).sort().pop() : undefined
  if (!runId) return { detail: 'no run directory!', samples: 0 }
  const threadsDir = path.join(runs, runId, 'threads')
  let samples = 0
  let threads = 0
  let ended = 0
  for (const key of fs.existsSync(threadsDir) ? fs.readdirSync(threadsDir) : []) {
    threads++
    let sawEnd = false
    for (const line of fs.readFileSync(path.join(threadsDir, key, 'events.ndjson'), 'utf8').split('\n')) {
      if (!line) continue
      let e
      try {
        e = JSON.parse(line)
      } catch {
        continue // a torn last line: the reader's business, not the bench's
      }
      if (e.t === 'chunk') samples += e.samples ?? 0
      if (e.t === 'start' && Number.isInteger(e.intervalUs)) profiledIntervalUs = e.intervalUs
      if (e.t === 'end') sawEnd = true
    }
    if (sawEnd) ended++
  }
  return { detail: `${samples} samples, ${threads} threads (${ended} ended cleanly)`, samples }
}

/** What node's own --cpu-prof wrote: one file per thread that exited. */
function cpuProfSamples(dir) {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : []
  let samples = 0
  for (const f of files) samples += JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).samples?.length ?? 0
  fs.rmSync(dir, { recursive: true, force: true }) // ~1 MB per thread per run: keep .cache small
  return { detail: `${samples} samples, ${files.length} .cpuprofile files`, samples }
}

function printTable() {
  const ok = (id) => results[id].filter((r) => r.code === 0)
  const base = { wall: med(ok('plain').map((r) => r.wallMs)), cpu: med(ok('plain').map((r) => r.cpuMs)) }
  // Paired: each rep's run against the plain run of the same rep (run next to it). Load on a shared machine
  // drifts over minutes; pairs cancel the drift that the ratio of medians still carries.
  const pairedRatios = (id) =>
    results[id].map((r, i) => (r.code === 0 && results.plain[i]?.code === 0 ? r.wallMs / results.plain[i].wallMs : null))
  const intervals = Object.fromEntries(VARIANTS.map((v) => [v.id, medianInterval(pairedRatios(v.id))]))
  const rows = VARIANTS.map((v) => {
    // Medians over the runs that passed: a failed run's time measures the failure (a timeout), not overhead.
    const all = results[v.id]
    const rs = all.filter((r) => r.code === 0)
    const wall = med(rs.map((r) => r.wallMs))
    const cpu = med(rs.map((r) => r.cpuMs))
    const samples = med(rs.map((r) => r.samples))
    const iv = intervals[v.id]
    return [
      v.label,
      `${rs.length}/${all.length}`,
      fmtS(wall),
      ratio(wall, base.wall),
      iv ? `${iv.median.toFixed(3)}×` : 'n/a',
      iv && v.id !== 'plain' ? `${iv.low.toFixed(3)}–${iv.high.toFixed(3)}` : '-',
      cpu === null ? 'n/a' : fmtS(cpu),
      ratio(cpu, base.cpu),
      samples === null ? '-' : String(Math.round(samples)),
    ]
  })
  const head = ['variant', 'ok', 'wall (median)', 'wall ×', 'paired ×', 'paired 95% CI', 'cpu (median)', 'cpu ×', 'samples (median)']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |'
  console.log('')
  console.log(line(head))
  console.log('|' + widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|') + '|')
  for (const r of rows) console.log(line(r))
  const which = opts.interval ? 'set with --interval' : "the profiler's default"
  console.log(`\nsampling interval: ${profiledIntervalUs} µs (${which}; --cpu-prof at the same interval)`)
  console.log(
    `wall ×: ratio of medians against \`vitest run\`; paired ×: median of each rep's ratio against the \`vitest run\` ` +
      `next to it; 95% CI: percentile bootstrap of that median over the reps.`,
  )
  const iv = intervals.profiled
  const said = { met: 'met', missed: 'missed', inconclusive: 'inconclusive (the interval straddles the target: more --reps, or a quieter machine)' }
  const ref = intervals.cpuprof ? `; node --cpu-prof at the same interval: ${intervals.cpuprof.median.toFixed(3)}× (${intervals.cpuprof.low.toFixed(3)}–${intervals.cpuprof.high.toFixed(3)})` : ''
  console.log(
    `\nprofiled vs. plain wall: ${iv ? `${iv.median.toFixed(3)}× (95% CI ${iv.low.toFixed(3)}–${iv.high.toFixed(3)}, ${iv.n} reps)` : 'n/a'}` +
      `${ref}. Target ≤ ${TARGET}×${opts.interval ? ' (at the default interval; this run used --interval)' : ''}: ${said[verdict(iv, TARGET)]}.`,
  )
}

function ratio(x, base) {
  return x === null || !base ? 'n/a' : `${(x / base).toFixed(3)}×`
}

function fmtS(ms) {
  return ms === null ? 'n/a' : `${(ms / 1000).toFixed(2)} s`
}

/**
 * CPU time of a finished child's whole tree (user+sys). Linux: this process's cutime+cstime from /proc/self/stat,
 * which the kernel adds every reaped child to, including the descendants each child reaped (vitest reaps its
 * forks; worker threads are inside their process). Elsewhere: POSIX `/usr/bin/time -p` around the child (same
 * rusage of reaped children, 10 ms resolution). Neither: n/a, rather than process.resourceUsage() (self only),
 * which would miss the whole tree.
 */
function pickCpuMeter() {
  const plain = { wrap: (argv) => [argv[0], argv.slice(1)] }
  let tick = 100
  try {
    tick = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {}
  const procRead = () => {
    try {
      const stat = fs.readFileSync('/proc/self/stat', 'utf8')
      // Fields after the command name (which may contain spaces) start at field 3; cutime, cstime are 16, 17.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return ((Number(f[13]) + Number(f[14])) * 1000) / tick
    } catch {
      return null
    }
  }
  if (procRead() !== null) return { ...plain, name: `/proc/self/stat children (${tick} Hz)`, read: procRead }
  if (fs.existsSync('/usr/bin/time')) {
    return {
      name: '/usr/bin/time -p',
      wrap: (argv) => ['/usr/bin/time', ['-p', ...argv]],
      // Called with no output before the run (a zero baseline) and with the run's output after it.
      read: (output) => {
        if (output === undefined) return 0
        const user = [...output.matchAll(/^user\s+([\d.]+)\s*$/gm)].pop()
        const sys = [...output.matchAll(/^sys\s+([\d.]+)\s*$/gm)].pop()
        return user && sys ? (Number(user[1]) + Number(sys[1])) * 1000 : null
      },
    }
  }
  return { ...plain, name: 'nowhere (n/a)', read: () => null }
}

function parseArgs(argv) {
  const o = { reps: 5, warmup: 1, scale: 1, timeout: 180, interval: 0 }
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '')
    if (!(key in o)) die(`unknown option ${argv[i]}: accepted --reps N (>= 3), --warmup N, --scale X, --timeout S (per run), --interval US`)
    o[key] = Number(argv[++i])
  }
  if (!Number.isInteger(o.reps) || o.reps < 3) die('--reps takes an integer >= 3 (medians of fewer mean little)')
  if (!Number.isInteger(o.interval) || (o.interval !== 0 && (o.interval < 50 || o.interval > 100_000))) {
    die("--interval takes the profiler's sampling interval in µs, an integer from 50 to 100000 (default: the profiler's own)")
  }
  if (!Number.isInteger(o.warmup) || o.warmup < 0) die('--warmup takes an integer >= 0')
  if (!(o.scale > 0)) die('--scale takes a positive number')
  if (!(o.timeout > 0)) die('--timeout takes seconds > 0')
  return o
}

function die(msg) {
  console.error(`bench: ${msg}`)
  process.exit(2)
}
