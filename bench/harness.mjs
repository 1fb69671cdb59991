// What bench/budgets.mjs and bench/gate.mjs share: the processes they start (each in its own group, killed on a
// timeout, on Ctrl-C and at the bench's exit), /proc CPU readings, and small formatting and env helpers.
import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'

/** Kill functions of what is running now: a run (or the busy process) must not outlive the bench. */
export const live = new Set()
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const kill of live) kill()
    process.exit(130)
  })
}
process.on('exit', () => {
  for (const kill of live) kill()
})

/**
 * Runs a command to its end: exit code, signal, stdout+stderr, wall time. Own process group (not on Windows),
 * so that a run that hangs goes with everything it started.
 */
export async function runTimed(cmd, argv, { cwd, env, timeoutS }) {
  const t0 = process.hrtime.bigint()
  const group = process.platform !== 'win32'
  const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: group })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const kill = () => {
    try {
      if (group) process.kill(-child.pid, 'SIGKILL')
      else child.kill('SIGKILL')
    } catch {}
  }
  live.add(kill)
  const timer = setTimeout(() => {
    output += `\nbench: killed after ${timeoutS} s\n`
    kill()
  }, timeoutS * 1000)
  const [code, signal] = await new Promise((resolve) => child.on('close', (c, s) => resolve([c, s])))
  clearTimeout(timer)
  live.delete(kill)
  return { code, signal, output, wallMs: Number(process.hrtime.bigint() - t0) / 1e6 }
}

let tick = null
/** USER_HZ, the unit of /proc's CPU fields. */
export function clockTick() {
  if (tick !== null) return tick
  tick = 100
  try {
    tick = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {}
  return tick
}

/** utime+stime (own) or cutime+cstime (reaped children) of a process from /proc, in ms; null without /proc. */
export function procCpuMs(pid, children = false) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces) start at field 3: utime 14, stime 15, cutime 16, cstime 17.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const [a, b] = children ? [f[13], f[14]] : [f[11], f[12]]
    return ((Number(a) + Number(b)) * 1000) / clockTick()
  } catch {
    return null
  }
}

/** A markdown table on stdout: columns right-aligned except those in `leftCols` (indexes). */
export function printTable(head, rows, leftCols) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const left = (i) => leftCols.includes(i)
  const line = (cells) => '| ' + cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |'
  console.log(line(head))
  console.log('|' + widths.map((w, i) => (left(i) ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|')
  for (const r of rows) console.log(line(r))
}

export function countBy(xs) {
  const m = new Map()
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1)
  return [...m].map(([k, n]) => `${k} ×${n}`).join(', ')
}

export function loadavg() {
  return os.loadavg().map((l) => l.toFixed(1)).join(' ')
}

/** `die(message)` of a bench: the message under its name, exit status 2. */
export const dieWith = (bench) => (message) => {
  console.error(`${bench}: ${message}`)
  process.exit(2)
}

/** An integer from the environment (at least `min`), or `fallback`; anything else ends the bench. */
export function envInt(name, fallback, min, die) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min) die(`${name} takes an integer >= ${min} (got ${JSON.stringify(raw)})`)
  return n
}
