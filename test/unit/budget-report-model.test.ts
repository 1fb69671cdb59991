/**
 * Budgets in the reports, on a recorded run (test/recorded/maps-run: one test, 233 ms on maps.test.ts:22 in the
 * test's thread and 229 ms on src/worker.ts:14 in a worker) with budget verdicts put on its window as the test's
 * thread would have recorded them: report.json's `budgets` and `tests[].budget`, the terminal's verdict column
 * (at any width), the failure messages with the top lines, and the closing line.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { readRun } from '../../src/spool/reader.js'
import { attributeRun } from '../../src/attribution/pipeline.js'
import { loadCapturedMaps, nodeIo } from '../../src/attribution/io.js'
import { buildReport } from '../../src/report/model.js'
import { formatBudgets, formatTerminal } from '../../src/report/terminal.js'
import { REPORT_VERSION, type JsonReport } from '../../src/report/schema.js'
import { parseBudget } from '../../src/budgets/parse.js'
import type { AttemptRecord } from '../../src/budgets/attempt.js'
import type { Check } from '../../src/budgets/evaluate.js'
import type { WindowEvent } from '../../src/spool/format.js'
import { materializeRecording } from '../helpers/recorded.js'
import { repoRoot } from '../helpers/run-fixture.js'

const fixtureRoot = path.join(repoRoot, 'fixtures/attribution-maps')
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

const measured = { wall: 1720, main: 281, workers: 242, threads: 242, processes: 0, bound: 0, threadCount: 1, processCount: 0, notes: [] }

/** The record the test's thread writes for `budget` (what attempt.ts judge() puts on the window). */
function recordFor(budget: Record<string, unknown>, attempt = 1, checks: Check[] = []): AttemptRecord {
  const { budget: b, errors } = parseBudget(budget)
  expect(errors).toEqual([])
  const pending = [...b!.lines.map((l) => `lines.${l.key}`), ...b!.functions.map((f) => `functions.${f.name}`)]
  const verdict = checks.some((c) => c.verdict === 'fail') ? 'fail' : checks.some((c) => c.verdict === 'inconclusive') ? 'inconclusive' : 'pass'
  return {
    attempt,
    verdict,
    checks,
    pending,
    measured,
    shared: false,
    ...(pending.length ? { limits: { lines: b!.lines, functions: b!.functions, ...(b!.minSamples !== undefined ? { minSamples: b!.minSamples } : {}), strict: b!.strict } } : {}),
  }
}

/**
 * The recorded run with `budget` on its test's window; `retry`: a second attempt after it (no samples in it)
 * with its own record.
 */
function reportWith(budget: AttemptRecord, retry?: AttemptRecord, options: { rootDir?: string; projectRoots?: Record<string, string> } = {}): JsonReport {
  const dir = materializeRecording('maps-run')
  dirs.push(dir)
  const run = readRun(dir)
  const thread = run.threads.find((t) => t.windows.length)!
  const w = thread.windows[0]!
  w.budget = budget
  if (retry) {
    const second: WindowEvent = { ...w, start: w.end + 10, end: w.end + 20, cpuStart: w.cpuEnd, cpuEnd: w.cpuEnd, attempt: 2, retry: 1, budget: retry }
    thread.windows.push(second)
  }
  const a = attributeRun(run, { rootDir: options.rootDir ?? fixtureRoot, capturedMaps: loadCapturedMaps(dir), io: nodeIo })
  return buildReport(a, options.projectRoots ? { projectRoots: options.projectRoots } : {})
}

const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '')

describe('report.json', () => {
  test('a line budget failed, one passed, a function budget: judged on the window, folded into the verdict', () => {
    const report = reportWith(recordFor({ lines: { 'maps.test.ts:22': '100ms', 'src/worker.ts:14': '1s' }, functions: { spinWorker: '20%' } }))
    expect(report.version).toBe(REPORT_VERSION)
    expect(REPORT_VERSION).toBe(3)
    const t = report.tests[0]!
    expect(t.budget).toMatchObject({ verdict: 'fail', threadVerdict: 'pass', last: true, shared: false, errors: [], checks: [] })
    const byKey = Object.fromEntries(t.budget!.sampled.map((c) => [c.key, c]))
    expect(byKey['lines.maps.test.ts:22']).toMatchObject({ kind: 'line', target: 'maps.test.ts:22', limitUs: 100_000, limitShare: null, verdict: 'fail', reason: null, matched: ['maps.test.ts:22'] })
    expect(byKey['lines.maps.test.ts:22']!.cpuUs).toBeGreaterThan(200_000)
    expect(byKey['lines.maps.test.ts:22']!.workersUs).toBe(0)
    expect(byKey['lines.src/worker.ts:14']).toMatchObject({ verdict: 'pass', mainUs: 0 })
    expect(byKey['lines.src/worker.ts:14']!.workersUs).toBeGreaterThan(200_000)
    expect(byKey['functions.spinWorker']).toMatchObject({ kind: 'function', limitUs: null, limitShare: 0.2, verdict: 'fail', matched: ['spinWorker (src/worker.ts:10)'] })
    expect(byKey['functions.spinWorker']!.share).toBeGreaterThan(0.4)
    expect(byKey['functions.spinWorker']!.shareLow).toBeLessThan(byKey['functions.spinWorker']!.share)
    expect(report.budgets).toEqual({ tests: 1, passed: 0, failed: 1, inconclusive: 0, failedAfterRun: [t.id] })
    // Measured figures in MICROSECONDS, like the rest of the report.
    expect(t.budget!.measured).toMatchObject({ wallUs: 1_720_000, mainUs: 281_000, workersUs: 242_000 })
    expect(t.budget!.message).toMatch(/^lines\.maps\.test\.ts:22 budget exceeded: self CPU of maps\.test\.ts:22 2\d\d ms ± [\d.]+ ms > budget 100 ms \(2\.\d\dx\)$/m)
    expect(t.budget!.message).toMatch(/^ {2}where the CPU of that line ran: test thread 2\d\d ms, workers 0 ms$/m)
    expect(t.budget!.message).toMatch(/^functions\.spinWorker budget exceeded: total CPU of spinWorker\(\), share of the test's CPU 4\d\.\d% ± [\d.]+% \(2\d\d ms\) > budget 20\.0% \(2\.\d\dx\)$/m)
    expect(t.budget!.message).toMatch(/^ {2}top 3 lines of the test \(self CPU\):\n {4}maps\.test\.ts:22 in spinMain: 2\d\d ms \(test thread 2\d\d ms, workers 0 ms\)\n {4}src\/worker\.ts:14 in spinWorker: 2\d\d ms \(test thread 0 ms, workers 2\d\d ms\)\n {4}\S/m)
    // Outside buckets carry no budget.
    expect(report.outside.every((o) => o.budget === null)).toBe(true)
  })

  test("line keys relative to the test's project root, attributed paths to vitest's root", () => {
    const report = reportWith(recordFor({ lines: { 'src/worker.ts:14': '1s' } }), undefined, { rootDir: repoRoot, projectRoots: { '': fixtureRoot } })
    expect(report.tests[0]!.lines.some((l) => l.file === 'fixtures/attribution-maps/src/worker.ts')).toBe(true)
    expect(report.tests[0]!.budget!.sampled[0]).toMatchObject({ verdict: 'pass', matched: ['fixtures/attribution-maps/src/worker.ts:14'] })
  })

  test('below minSamples inconclusive, the same under strict a failure', () => {
    const loose = reportWith(recordFor({ lines: { 'maps.test.ts:22': '1s' }, minSamples: 100_000 }))
    expect(loose.tests[0]!.budget).toMatchObject({ verdict: 'inconclusive', message: null })
    expect(loose.tests[0]!.budget!.sampled[0]).toMatchObject({ verdict: 'inconclusive', reason: 'samples', minSamples: 100_000, strict: false })
    expect(loose.budgets).toEqual({ tests: 1, passed: 0, failed: 0, inconclusive: 1, failedAfterRun: [] })
    const strict = reportWith(recordFor({ lines: { 'maps.test.ts:22': '1s' }, minSamples: 100_000, strict: true }))
    expect(strict.tests[0]!.budget!.sampled[0]).toMatchObject({ verdict: 'fail', reason: 'samples', strict: true })
    expect(strict.budgets.failedAfterRun).toHaveLength(1)
  })

  test('a cpu budget that failed in the thread: its message with the top lines; it does not fail the run again', () => {
    const checks: Check[] = [{ key: 'cpu', measuredMs: 523, budgetMs: 100, boundMs: 0, verdict: 'fail' }]
    const report = reportWith(recordFor({ cpu: '100ms' }, 1, checks))
    const b = report.tests[0]!.budget!
    expect(b).toMatchObject({ verdict: 'fail', threadVerdict: 'fail', sampled: [], checks: [{ key: 'cpu', measuredUs: 523_000, budgetUs: 100_000, boundUs: 0, verdict: 'fail' }] })
    expect(b.message).toMatch(/^cpu budget exceeded: CPU 523 ms > budget 100 ms \(5\.23x\)\n {2}where the CPU ran: test thread 281 ms, workers 242 ms \(1 worker thread 242 ms\); wall 1\.72 s\n {2}top 3 lines/)
    expect(b.message).toContain('maps.test.ts:22 in spinMain')
    expect(report.budgets).toMatchObject({ failed: 1, failedAfterRun: [] })
  })

  test('a retried test counts by its last attempt', () => {
    const report = reportWith(recordFor({ lines: { 'maps.test.ts:22': '100ms' } }), recordFor({ lines: { 'maps.test.ts:22': '100ms' } }, 2))
    const [first, second] = report.tests
    expect(first!.budget).toMatchObject({ verdict: 'fail', last: false })
    // The second attempt's window has no samples: its figure is inconclusive (0 samples), and it is what counts.
    expect(second!.budget).toMatchObject({ verdict: 'inconclusive', last: true })
    expect(report.budgets).toEqual({ tests: 1, passed: 0, failed: 0, inconclusive: 1, failedAfterRun: [] })
  })

  test('bad budget input: invalid, counted as failed, nothing judged', () => {
    const invalid: AttemptRecord = { attempt: 1, verdict: 'invalid', checks: [], pending: [], measured, shared: false, errors: ["vitest-profiler: budget key 'budget.cpuu' is unknown"] }
    const report = reportWith(invalid)
    expect(report.tests[0]!.budget).toMatchObject({ verdict: 'invalid', errors: ["vitest-profiler: budget key 'budget.cpuu' is unknown"], sampled: [], message: null })
    expect(report.budgets).toMatchObject({ tests: 1, failed: 1, failedAfterRun: [] })
  })
})

describe('terminal', () => {
  const failing = () => reportWith(recordFor({ lines: { 'maps.test.ts:22': '100ms' } }))

  test('a verdict column after the name, kept at every width', () => {
    for (const width of [60, 80, 100, 160]) {
      const text = plain(formatTerminal(failing(), { color: false, width, topLines: 5, files: [] }))
      const lines = text.split('\n')
      const header = lines.find((l) => /^ {2}test +budget +wall/.test(l))
      expect(header, text).toBeDefined()
      // The name is cut in its middle to make room; the verdict never is.
      const row = lines[lines.indexOf(header!) + 1]!
      expect(row, text).toMatch(/^ {2}\S.* FAIL +\d/)
      expect(row.length).toBeLessThanOrEqual(Math.max(60, width))
      expect(row.indexOf('FAIL')).toBe(header!.indexOf('budget'))
    }
  })

  test('no budget in the run: no column, no closing line', () => {
    const dir = materializeRecording('maps-run')
    dirs.push(dir)
    const a = attributeRun(readRun(dir), { rootDir: fixtureRoot, capturedMaps: loadCapturedMaps(dir), io: nodeIo })
    const report = buildReport(a)
    expect(report.budgets).toEqual({ tests: 0, passed: 0, failed: 0, inconclusive: 0, failedAfterRun: [] })
    const text = formatTerminal(report, { color: false, width: 100, topLines: 5, files: [] })
    expect(text).not.toMatch(/budget/)
    expect(formatBudgets(report, false)).toBe('')
  })

  test('each verdict in its words', () => {
    const cases: [AttemptRecord, string][] = [
      [recordFor({ lines: { 'maps.test.ts:22': '1s' } }), 'pass'],
      [recordFor({ lines: { 'maps.test.ts:22': '1s' }, minSamples: 100_000 }), 'inconclusive'],
      [{ attempt: 1, verdict: 'invalid', checks: [], pending: [], measured, shared: false, errors: ['bad'] }, 'invalid'],
    ]
    for (const [record, word] of cases) {
      const text = plain(formatTerminal(reportWith(record), { color: false, width: 100, topLines: 5, files: [] }))
      expect(text).toMatch(new RegExp(`^ {2}\\S.* ${word} +\\d`, 'm'))
    }
  })

  test('failures with their messages, inconclusive tests, and the closing line last', () => {
    const text = plain(formatTerminal(failing(), { color: true, width: 100, topLines: 5, files: [] }))
    expect(text).toMatch(/^ {2}budget failed maps\.test\.ts › hot lines in a \.ts test file and a pre-built worker \(judged after the run from its samples: this fails the run\)$/m)
    expect(text).toMatch(/^ {4}lines\.maps\.test\.ts:22 budget exceeded: self CPU of maps\.test\.ts:22 2\d\d ms/m)
    expect(text).toMatch(/^ {8}maps\.test\.ts:22 in spinMain: /m)
    expect(text.trimEnd().split('\n').at(-1)).toBe('  budgets: 0 passed, 1 failed, 0 inconclusive')

    const loose = plain(formatBudgets(reportWith(recordFor({ lines: { 'maps.test.ts:22': '1s' }, minSamples: 100_000 })), false))
    expect(loose).toMatch(/^ {2}inconclusive: maps\.test\.ts › hot lines .*: lines\.maps\.test\.ts:22 2\d\d ms ± [\d.]+ ms against 1\.00 s \(\d+ samples, fewer than minSamples 100000\)$/m)
    expect(loose.split('\n').at(-1)).toBe('  budgets: 0 passed, 0 failed, 1 inconclusive')
  })
})
