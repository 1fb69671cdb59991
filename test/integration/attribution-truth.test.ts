/**
 * Ground truth: fixtures whose CPU split is known by construction AND measured by each thread's own CPU clock
 * around each burn (clock.mjs in each fixture). The profiler's report (the report.json the reporter
 * wrote) must put each burn on its line with the right share, keep idle workers' waiting off every line and
 * out of every CPU figure, and show the test's thread waiting for the workers' lines.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'
import type { JsonBucket, JsonReport } from '../../src/report/schema.js'

const TOLERANCE = 0.03
const MIN_SAMPLES_PER_LINE = 2000

function markerLine(file: string, marker: string): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(`// LINE:${marker}`))
  if (i < 0) throw new Error(`no LINE:${marker} in ${file}`)
  return i + 1
}

async function truthRun(fixture: string) {
  const r = await runFixture(fixture)
  expect(r.code, r.output).toBe(0)
  const report: JsonReport = JSON.parse(fs.readFileSync(path.join(r.root, '.vitest-profile', 'report', 'report.json'), 'utf8'))
  const truth: { a: number; b: number; main: number } = JSON.parse(fs.readFileSync(path.join(r.root, '.vitest-profile', 'truth.json'), 'utf8'))
  expect(report.tests).toHaveLength(1)
  const t = report.tests[0]!
  const find = (file: string, marker: string) => {
    const line = markerLine(path.join(r.root, file), marker)
    const hit = t.lines.find((l) => l.file === file && l.line === line)
    expect(hit, `${file}:${line} (${marker}) in the report; got ${t.lines.slice(0, 6).map((l) => `${l.file}:${l.line}`).join(', ')}`).toBeDefined()
    return hit!
  }
  const lines = { a: find('task.mjs', 'task-a'), b: find('task.mjs', 'task-b'), main: find('truth.test.ts', 'main') }
  return { r, report, t, truth, lines }
}

function checkShares({ truth, lines }: Awaited<ReturnType<typeof truthRun>>): Record<string, { measured: number; truth: number }> {
  for (const [k, l] of Object.entries(lines)) expect(l.share.samples, `samples on line ${k}`).toBeGreaterThanOrEqual(MIN_SAMPLES_PER_LINE)
  const attributed = lines.a.cpuUs + lines.b.cpuUs + lines.main.cpuUs
  const real = truth.a + truth.b + truth.main
  const out: Record<string, { measured: number; truth: number }> = {}
  for (const k of ['a', 'b', 'main'] as const) {
    out[k] = { measured: lines[k].cpuUs / attributed, truth: truth[k] / real }
    expect(Math.abs(out[k]!.measured - out[k]!.truth), `share of ${k}: ${JSON.stringify(out[k])}`).toBeLessThanOrEqual(TOLERANCE)
  }
  // The split is also where it ran: task lines all in workers, the main line all in the test's thread.
  expect(lines.a.mainUs).toBe(0)
  expect(lines.b.mainUs).toBe(0)
  expect(lines.main.workersUs).toBe(0)
  // eslint-disable-next-line no-console
  console.log(`ground truth ${JSON.stringify(out)}`)
  return out
}

/** Idle workers: lots of off-CPU wall time in the window, none of it on a line or in a CPU figure. */
function checkIdleWorkers(t: JsonBucket, truth: { a: number; b: number }, waitFunction: string | null): void {
  const workers = t.threads.filter((th) => th.role === 'worker')
  const offCpu = workers.reduce((s, th) => s + th.idleUs + th.waitingUs, 0)
  expect(offCpu, 'workers sat idle/waiting for a while').toBeGreaterThan(workers.length * 500_000)
  // If waiting counted as CPU, workers' CPU would exceed their measured work by that off-CPU time.
  expect(t.cpu.workersUs).toBeLessThan((truth.a + truth.b) * 1.25 + 100_000)
  expect(t.cpu.workersUs).toBeLessThan(truth.a + truth.b + offCpu / 2)
  for (const l of t.lines) {
    expect(l.function, `${l.file}:${l.line}`).not.toBe('(idle)')
    if (waitFunction) expect(l.function, `${l.file}:${l.line}`).not.toBe(waitFunction)
  }
  if (waitFunction) expect(t.functions.find((f) => f.name === waitFunction)).toBeUndefined()
}

function checkWaiting(t: JsonBucket, aLine: number): void {
  expect(t.waiting.idleUs + t.waiting.blockedUs).toBeGreaterThan(200_000)
  expect(t.waiting.waitedFor[0]).toMatchObject({ file: 'task.mjs', line: aLine })
}

describe('ground truth', () => {
  test('tinypool: tasks 3:1 on two lines plus main-thread work; idle pool workers carry no CPU', async () => {
    const run = await truthRun('attribution-tinypool')
    checkShares(run)
    checkIdleWorkers(run.t, run.truth, 'atomicsWaitLoop')
    // tinypool's workers block in Atomics.wait: that is "waiting", not event-loop idle.
    expect(run.t.threads.filter((th) => th.role === 'worker').every((th) => th.waitingUs > th.idleUs)).toBe(true)
    checkWaiting(run.t, run.lines.a.line!)
    expect(run.r.output).toMatch(/task\.mjs:\d+ .*x = \(x \* 31 \+ i\) % 1000003/)
  })

  test('child_process.fork: the same split across processes; idle children carry no CPU', async () => {
    const run = await truthRun('attribution-fork')
    checkShares(run)
    checkIdleWorkers(run.t, run.truth, null)
    expect(run.t.threads.filter((th) => th.role === 'worker').every((th) => th.idleUs > 300_000)).toBe(true)
    checkWaiting(run.t, run.lines.a.line!)
  })
})
