#!/usr/bin/env node
// Many-threads bench (issue #9.3, #9.12): bench/fixtures/many-threads, one vitest worker (isolate off) whose
// files create several hundred pool workers and child processes over the run, most of them idle or left open,
// run plain (`vitest run`) and profiled (`vitest-profile run`, the build installed in the suite's node_modules)
// interleaved. What it shows is what idle threads cost under profiling:
//   wall ratio (target <= 1.15x), the report's time after the tests (target < 2 s, from the reporter's own
//   DEBUG line), the run folder's size (target < 20 MB), threads seen vs. received, same outcome, and that no
//   process of the run is left behind. Beside them, the peer: the same suite under `node --cpu-prof` at the same
//   interval (2 ms; vitest hands the flag to its worker, whose threads and forks inherit it), so that what
//   V8's sampler alone costs in a new thread is measured in the same run.
//
// Last, the floor that no in-thread V8 profiler can go below on this suite: what V8 itself takes to start a
// CPU profiler in a fresh worker thread (no agent of ours: an inspector session and one console.profile, the
// thread's own CPU from /proc/thread-self/schedstat; it logs every function already compiled), times the
// threads the profiled run received, against the extra CPU (process tree, reaped-children clock) that
// profiling cost.
//
//   node bench/many-threads.mjs [--reps 3] [--warmup 0] [--timeout 300]
import { spawn, execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Worker } from 'node:worker_threads'
import { median } from './paired.mjs'
import { installProfilerInto, repoRoot, vitestBin } from './variants.mjs'

const fixture = path.join(repoRoot, 'bench', 'fixtures', 'many-threads')
const TARGETS = { wall: 1.15, reportMs: 2000, folderMb: 20 }
const opts = { reps: 3, warmup: 0, timeout: 300 }
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '')
  if (!(key in opts)) die(`unknown option ${process.argv[i]}; accepted: --reps N, --warmup N, --timeout S`)
  opts[key] = Number(process.argv[i + 1])
}
const bin = installProfilerInto(fixture)
if (!bin.ok) die(bin.error)

console.log(`many-threads bench: ${path.relative(repoRoot, fixture)}, ${opts.reps} interleaved reps, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`)
const rows = { plain: [], profiled: [], cpuprof: [] }
const cpuProfDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-many-cpuprof-'))
for (let rep = -opts.warmup; rep < opts.reps; rep++) {
  for (const variant of ['plain', 'profiled', 'cpuprof']) {
    const r = await measure(variant)
    console.log(`  ${rep < 0 ? 'warm-up' : `rep ${rep + 1}`}  ${variant.padEnd(8)}  wall ${(r.wallMs / 1000).toFixed(2)} s  ${r.tests}  exit ${r.code}${r.extra}`)
    if (rep >= 0) rows[variant].push(r)
  }
}

const wall = (v) => median(rows[v].map((r) => r.wallMs))
const ratios = rows.profiled.map((r, i) => r.wallMs / rows.plain[i].wallMs)
const peerRatios = rows.cpuprof.map((r, i) => r.wallMs / rows.plain[i].wallMs)
const vsPeer = rows.profiled.map((r, i) => r.wallMs / rows.cpuprof[i].wallMs)
const reportMs = median(rows.profiled.map((r) => r.reportMs ?? NaN))
const folderMb = Math.max(...rows.profiled.map((r) => r.folderMb))
const sameOutcome = rows.profiled.every((r, i) => r.tests === rows.plain[i].tests && r.code === rows.plain[i].code)
fs.rmSync(cpuProfDir, { recursive: true, force: true })
const leftovers = [...rows.plain, ...rows.profiled, ...rows.cpuprof].flatMap((r) => r.leftovers)
const seen = rows.profiled.map((r) => r.seen).join(', ')
const verdict = (ok) => (ok ? 'met' : 'MISSED')
console.log('\n| measure | plain | profiled | ratio / figure | target |')
console.log('|:--|--:|--:|--:|:--|')
console.log(`| wall (median) | ${(wall('plain') / 1000).toFixed(2)} s | ${(wall('profiled') / 1000).toFixed(2)} s | ${(wall('profiled') / wall('plain')).toFixed(3)}x (paired median ${median(ratios).toFixed(3)}x) | <= ${TARGETS.wall}x: ${verdict(median(ratios) <= TARGETS.wall)} |`)
console.log(`| wall under node --cpu-prof (median) | | ${(wall('cpuprof') / 1000).toFixed(2)} s | ${(wall('cpuprof') / wall('plain')).toFixed(3)}x of plain (paired ${median(peerRatios).toFixed(3)}x); profiled / --cpu-prof: paired ${median(vsPeer).toFixed(3)}x | (the peer) |`)
console.log(`| report after the tests (median) | - | ${(reportMs / 1000).toFixed(2)} s | | < ${TARGETS.reportMs / 1000} s: ${verdict(reportMs < TARGETS.reportMs)} |`)
console.log(`| run folder (largest) | - | ${folderMb.toFixed(1)} MB | | < ${TARGETS.folderMb} MB: ${verdict(folderMb < TARGETS.folderMb)} |`)
console.log(`| threads/processes seen / received | - | ${seen} | | all received |`)
console.log(`| same outcome and exit code | ${sameOutcome ? 'yes' : 'NO'} | | | yes |`)
console.log(`| processes left running after vitest exits | ${leftovers.length ? leftovers.join('; ') : 'none'} | | | none |`)
const cpu = (v) => median(rows[v].map((r) => r.cpuMs))
if (rows.plain.every((r) => r.cpuMs !== null)) {
  const start = await v8ProfilerStartMs(30)
  const received = median(rows.profiled.map((r) => Number(/^\d+\/(\d+)/.exec(r.seen)?.[1] ?? NaN)))
  const floorMs = start * received
  const extraMs = cpu('profiled') - cpu('plain')
  console.log(`| CPU, process tree (median) | ${(cpu('plain') / 1000).toFixed(2)} s | ${(cpu('profiled') / 1000).toFixed(2)} s | ${(cpu('profiled') / cpu('plain')).toFixed(3)}x; --cpu-prof ${(cpu('cpuprof') / cpu('plain')).toFixed(3)}x | |`)
  console.log(`| V8's profiler start in a fresh worker, no agent (median of 30) | | ${start.toFixed(1)} ms | x ${received} threads received = ${(floorMs / 1000).toFixed(2)} s of CPU, ${((100 * floorMs) / extraMs).toFixed(0)}% of profiling's extra ${(extraMs / 1000).toFixed(2)} s | floor: ${((cpu('plain') + floorMs) / cpu('plain')).toFixed(3)}x of plain CPU |`)
}
process.exitCode = sameOutcome && !leftovers.length ? 0 : 1

async function measure(variant) {
  fs.rmSync(path.join(fixture, '.vitest-profile'), { recursive: true, force: true })
  const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true' }
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS' || k === 'DEBUG') delete env[k]
  if (variant === 'profiled') env.DEBUG = 'vitest-profiler:reporter'
  // `=` forms: vitest hands the main process's `--cpu-prof*` flags on to its worker by prefix (variants.mjs).
  const peer = ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, '--cpu-prof-interval=2000', vitestBin, 'run']
  const argv = variant === 'cpuprof' ? peer : [variant === 'plain' ? vitestBin : bin.path, 'run']
  if (variant === 'cpuprof') fs.rmSync(cpuProfDir, { recursive: true, force: true })
  const t0 = process.hrtime.bigint()
  const cpu0 = reapedMs()
  const child = spawn(process.execPath, argv, { cwd: fixture, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const timer = setTimeout(() => killGroup(child.pid), opts.timeout * 1000)
  const code = await new Promise((resolve) => child.on('close', (c, s) => resolve(c ?? s)))
  clearTimeout(timer)
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
  // vitest's whole tree, reaped by it and then by us (workers that outlive it are not in it: counted as left over).
  const cpu1 = reapedMs()
  const cpuMs = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0
  // Anything of this run still alive a moment after vitest exited: its process group (we made it a leader).
  await new Promise((r) => setTimeout(r, 1500))
  const leftovers = groupMembers(child.pid)
  killGroup(child.pid)
  const tests = (/Tests\s+(.*)/.exec(output)?.[1] ?? '(no Tests line)').trim().replace(/\s+/g, ' ')
  const result = { wallMs, cpuMs, code, tests, leftovers, reportMs: null, folderMb: 0, seen: '-', extra: '' }
  if (variant === 'profiled') {
    const report = /reported in (\d+) ms/.exec(output)
    result.reportMs = report ? Number(report[1]) : null
    result.folderMb = duMb(path.join(fixture, '.vitest-profile'))
    const seen = /threads\/processes seen: (\d+)[^,]*, profiles received: (\d+)(.*)/.exec(output)
    result.seen = seen ? `${seen[1]}/${seen[2]}${seen[3] ? ` (${seen[3].slice(2).trim()})` : ''}` : '(no seen line)'
    result.extra = `  report ${result.reportMs ?? '?'} ms  folder ${result.folderMb.toFixed(1)} MB  seen/received ${result.seen}`
  }
  if (variant === 'cpuprof') result.extra = `  ${fs.existsSync(cpuProfDir) ? fs.readdirSync(cpuProfDir).length : 0} .cpuprofile files`
  if (leftovers.length) result.extra += `  LEFT RUNNING: ${leftovers.join('; ')}`
  fs.writeFileSync(path.join(os.tmpdir(), `many-threads-${variant}.log`), output)
  return result
}

/** CPU (ms) of this process's reaped children so far (/proc/self/stat cutime + cstime, 10 ms ticks); null off Linux. */
function reapedMs() {
  try {
    const f = fs.readFileSync('/proc/self/stat', 'latin1')
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
    return (Number(rest[13]) + Number(rest[14])) * 10
  } catch {
    return null
  }
}

/** V8's own CPU profiler start in a fresh worker thread (its thread's CPU, ms): the median of `n`. */
async function v8ProfilerStartMs(n) {
  const code = `
    const { parentPort } = require('node:worker_threads')
    const fs = require('node:fs')
    const inspector = require('node:inspector')
    const own = () => Number(fs.readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6
    const session = new inspector.Session()
    session.connect()
    session.post('Profiler.enable')
    session.post('Profiler.setSamplingInterval', { interval: 2000 })
    const t0 = own()
    inspector.console.profile('floor')
    parentPort.postMessage(own() - t0)`
  const out = []
  for (let i = 0; i < n; i++) {
    const w = new Worker(code, { eval: true })
    out.push(await new Promise((resolve, reject) => w.once('message', resolve).once('error', reject)))
    await w.terminate()
  }
  return median(out)
}

function groupMembers(pgid) {
  if (process.platform === 'win32') return []
  try {
    const out = execFileSync('ps', ['-eo', 'pid=,pgid=,nlwp=,rss=,args='], { encoding: 'utf8' })
    return out
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      // Zombies (exited, their parent gone before reaping them) run nothing: not left running.
      .filter((f) => Number(f[1]) === pgid && !f.slice(4).join(' ').includes('<defunct>'))
      .map((f) => `pid ${f[0]} (${f[2]} threads, ${Math.round(Number(f[3]) / 1024)} MB) ${f.slice(4).join(' ').slice(0, 80)}`)
  } catch {
    return []
  }
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {}
}

function duMb(dir) {
  let bytes = 0
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else bytes += fs.statSync(p).size
    }
  }
  if (fs.existsSync(dir)) walk(dir)
  return bytes / 1024 / 1024
}

function die(message) {
  console.error(`many-threads bench: ${message}`)
  process.exit(2)
}
