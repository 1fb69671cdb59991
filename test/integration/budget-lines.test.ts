/**
 * Line and function budgets in a profiling run (fixtures/budget-lines): judged after the run from each test's
 * samples. vitest sees every test of lines.test.ts pass (nothing of these budgets is known in the test's
 * thread); the run fails with exit code 1, the messages say what was over, by how much, where it ran and the
 * test's top lines; the terminal table has a verdict column, the report ends with the closing line, and
 * report.json has the verdicts. Margins are wide (the hot line spends ~300 ms against 60 ms; its share is ~90%
 * against 35%): the machine is noisy.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expect, test } from 'vitest'
import { fixturesDir, runFixture } from '../helpers/run-fixture.js'
import type { JsonBucket, JsonReport } from '../../src/report/schema.js'

const readReport = (root: string): JsonReport => JSON.parse(fs.readFileSync(path.join(root, '.vitest-profile', 'report', 'report.json'), 'utf8'))
const byName = (report: JsonReport) => new Map<string, JsonBucket>(report.tests.map((t) => [t.name, t]))

test('the budgets name the HOT line', () => {
  const hot = fs.readFileSync(path.join(fixturesDir, 'budget-lines', 'hot.ts'), 'utf8').split('\n')
  expect(hot[9 - 1]).toContain('// HOT')
})

test('line and function budgets fail the run after vitest passed every test', async () => {
  const r = await runFixture('budget-lines', { via: 'bin', env: { LINES_FILES: 'lines.test.ts', COLUMNS: '120' } })
  expect(r.output).toMatch(/Tests {2}5 passed \(5\)/)
  expect(r.code, r.output).toBe(1)

  // The messages, in evaluate.ts's format: measured vs budget with its bound, where the CPU ran, the top lines.
  const out = r.output
  expect(out).toMatch(/^ {2}budget failed lines\.test\.ts › line over its budget \(judged after the run from its samples: this fails the run\)$/m)
  expect(out).toMatch(/^ {4}lines\.hot\.ts:9 budget exceeded: self CPU of hot\.ts:9 [\d.]+ ms ± [\d.]+ ms > budget 60\.0 ms \(\d\.\d\dx\)$/m)
  expect(out).toMatch(/^ {6}where the CPU of that line ran: test thread [\d.]+ ms, workers 0 ms$/m)
  expect(out).toMatch(/^ {6}top 3 lines of the test \(self CPU\):\n {8}hot\.ts:9 in spin: [\d.]+ ms \(test thread [\d.]+ ms, workers 0 ms\)$/m)
  expect(out).toMatch(/^ {2}budget failed lines\.test\.ts › function over its share /m)
  expect(out).toMatch(/^ {4}functions\.spin budget exceeded: total CPU of spin\(\), share of the test's CPU \d+\.\d% ± [\d.]+% \([\d.]+ ms\) > budget 35\.0% \(\d\.\d\dx\)$/m)
  // Both functions named spin count: the test thread's (hot.ts) and the worker's (spin-worker.mjs).
  const fnSplit = out.match(/^ {6}where the CPU of that function ran: test thread ([\d.]+) ms, workers ([\d.]+) ms$/m)
  expect(fnSplit, out).not.toBeNull()
  expect(Number(fnSplit![1])).toBeGreaterThan(50)
  expect(Number(fnSplit![2])).toBeGreaterThan(50)
  expect(out).toMatch(/^ {2}budget failed lines\.test\.ts › too few samples, strict /m)
  expect(out).toMatch(/^ {4}lines\.hot\.ts:9 budget not judged \(strict\): self CPU of hot\.ts:9 .* rests on \d+ samples, fewer than minSamples 100000; budget 3\.00 s$/m)
  expect(out).toMatch(/^ {2}inconclusive: lines\.test\.ts › too few samples: lines\.hot\.ts:9 [\d.]+ ms ± [\d.]+ ms against 3\.00 s \(\d+ samples, fewer than minSamples 100000\)$/m)
  expect(out).not.toMatch(/budget failed lines\.test\.ts › (line within its budget|too few samples \()/)

  // The terminal table's verdict column, right after the name.
  const header = out.split('\n').find((l) => /^ {2}test +budget +wall/.test(l))
  expect(header, out).toBeDefined()
  const col = header!.indexOf('budget')
  const verdictOf = (name: string) => {
    const row = out.split('\n').find((l) => l.startsWith(`  lines.test.ts › ${name} `))
    expect(row, out).toBeDefined()
    return row!.slice(col).split(/\s+/)[0]
  }
  expect(verdictOf('line over its budget')).toBe('FAIL')
  expect(verdictOf('line within its budget')).toBe('pass')
  expect(verdictOf('function over its share')).toBe('FAIL')
  expect(verdictOf('too few samples')).toBe('inconclusive')
  expect(verdictOf('too few samples, strict')).toBe('FAIL')

  // The closing line ends the report.
  expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('  budgets: 1 passed, 3 failed, 1 inconclusive')

  // report.json.
  const report = readReport(r.root)
  expect(report.version).toBe(3)
  const tests = byName(report)
  expect(report.budgets).toMatchObject({ tests: 5, passed: 1, failed: 3, inconclusive: 1 })
  expect(report.budgets.failedAfterRun.map((id) => report.tests.find((t) => t.id === id)!.name).sort()).toEqual(['function over its share', 'line over its budget', 'too few samples, strict'])
  for (const t of report.tests) expect(t.state, t.name).toBe('pass')

  const over = tests.get('line over its budget')!.budget!
  expect(over).toMatchObject({ verdict: 'fail', threadVerdict: 'pass', last: true, checks: [] })
  expect(over.sampled).toHaveLength(1)
  expect(over.sampled[0]).toMatchObject({ key: 'lines.hot.ts:9', kind: 'line', target: 'hot.ts:9', limitUs: 60_000, limitShare: null, verdict: 'fail', reason: null, matched: ['hot.ts:9'], workersUs: 0 })
  // ~300 ms of CPU spent on the line, against 60 ms: at least twice the budget, even on a slow, busy machine.
  expect(over.sampled[0]!.lowUs).toBeGreaterThan(120_000)
  expect(over.message).toContain('lines.hot.ts:9 budget exceeded')

  const within = tests.get('line within its budget')!.budget!
  expect(within).toMatchObject({ verdict: 'pass', message: null })
  expect(within.sampled[0]).toMatchObject({ verdict: 'pass', limitUs: 3_000_000 })
  expect(within.sampled[0]!.highUs).toBeLessThan(1_500_000)

  const fn = tests.get('function over its share')!.budget!
  expect(fn.sampled[0]).toMatchObject({ key: 'functions.spin', kind: 'function', limitShare: 0.35, limitUs: null, verdict: 'fail' })
  expect(fn.sampled[0]!.shareLow).toBeGreaterThan(0.7)
  expect(fn.sampled[0]!.matched).toEqual(expect.arrayContaining([expect.stringMatching(/^spin \(hot\.ts:\d+\)$/), expect.stringMatching(/^spin \(spin-worker\.mjs:\d+\)$/)]))

  const few = tests.get('too few samples')!.budget!
  expect(few).toMatchObject({ verdict: 'inconclusive', message: null })
  expect(few.sampled[0]).toMatchObject({ verdict: 'inconclusive', reason: 'samples', minSamples: 100_000, strict: false })
  const strict = tests.get('too few samples, strict')!.budget!
  expect(strict).toMatchObject({ verdict: 'fail' })
  expect(strict.sampled[0]).toMatchObject({ verdict: 'fail', reason: 'samples', minSamples: 100_000, strict: true })
})

test('a cpu budget that failed in the test thread: the report adds its top lines', async () => {
  const r = await runFixture('budget-lines', { via: 'bin', env: { LINES_FILES: 'cpu.test.ts', COLUMNS: '120' } })
  expect(r.code, r.output).toBe(1)
  // vitest's own message, from the test's thread.
  expect(r.output).toMatch(/BudgetExceededError: cpu budget exceeded: CPU [\d.]+ ms( ± [\d.]+ ms)? > budget 100 ms/)
  // The report's: the same figures, and where the time went.
  expect(r.output).toMatch(/^ {2}budget failed cpu\.test\.ts › cpu over its budget$/m)
  expect(r.output).toMatch(/^ {4}cpu budget exceeded: CPU [\d.]+ ms( ± [\d.]+ ms)? > budget 100 ms \(\d\.\d\dx\)\n {6}where the CPU ran: all in the test's own thread/m)
  expect(r.output).toMatch(/^ {6}top 3 lines of the test \(self CPU\):\n {8}hot\.ts:9 in spin: [\d.]+ ms \(test thread [\d.]+ ms, workers 0 ms\)$/m)
  // The report is on stdout (vitest's failures went to stderr): its last line.
  expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('  budgets: 0 passed, 1 failed, 0 inconclusive')
  const report = readReport(r.root)
  expect(report.budgets).toMatchObject({ tests: 1, failed: 1, failedAfterRun: [] })
  expect(report.tests[0]!.budget).toMatchObject({ verdict: 'fail', threadVerdict: 'fail', sampled: [] })
  expect(report.tests[0]!.budget!.checks[0]).toMatchObject({ key: 'cpu', budgetUs: 100_000, verdict: 'fail' })
})

test('without profiling, a line budget starts sampling in its thread, and fails the run the same way', async () => {
  // Plain `vitest run` with the plugin in the config: no sampler anywhere until a test with a line or function
  // budget runs; its thread then samples (and the workers it starts), and the run is read at its end.
  const r = await runFixture('budget-lines', { via: 'vitest', env: { LINES_FILES: 'lines.test.ts', COLUMNS: '120' } })
  expect(r.output).toMatch(/Tests {2}5 passed \(5\)/)
  expect(r.code, r.output).toBe(1)
  expect(r.output).toMatch(/^ {4}lines\.hot\.ts:9 budget exceeded: self CPU of hot\.ts:9 [\d.]+ ms ± [\d.]+ ms > budget 60\.0 ms/m)
  // The worker's spin() is sampled too: its thread got the agent through the execArgv the Worker class adds.
  const fnSplit = r.output.match(/^ {6}where the CPU of that function ran: test thread ([\d.]+) ms, workers ([\d.]+) ms$/m)
  expect(fnSplit, r.output).not.toBeNull()
  expect(Number(fnSplit![2])).toBeGreaterThan(50)
  expect(r.output).toMatch(/^budgets: 1 passed, 3 failed, 1 inconclusive$/m)
  // No profiler report table: only the budgets.
  expect(r.output).not.toMatch(/vitest-profiler {2}run /)
})

test('sampling started from a test thread whose process has a V8 flag: its worker starts, and is sampled', async () => {
  // The agent's --require goes into the worker's execArgv (propagation.ts), which Node refuses when it holds a
  // V8 flag such as --expose-gc (ERR_WORKER_INVALID_EXEC_ARGV): the worker must start anyway, with the agent.
  const r = await runFixture('budget-lines', { via: 'vitest', env: { LINES_FILES: 'lines.test.ts', LINES_EXEC_ARGV: '--expose-gc', COLUMNS: '120' } })
  expect(r.output).toMatch(/Tests {2}5 passed \(5\)/)
  expect(r.code, r.output).toBe(1)
  const fnSplit = r.output.match(/^ {6}where the CPU of that function ran: test thread ([\d.]+) ms, workers ([\d.]+) ms$/m)
  expect(fnSplit, r.output).not.toBeNull()
  expect(Number(fnSplit![2])).toBeGreaterThan(50)
})

test('without profiling and with no line budget, nothing is sampled and nothing is left behind', async () => {
  const r = await runFixture('budget-lines', { via: 'vitest', env: { LINES_FILES: 'cpu.test.ts' } })
  expect(r.code, r.output).toBe(1) // cpu over its budget fails in vitest
  expect(r.output).toMatch(/^budgets: \d+ passed, 1 failed, 0 inconclusive$/m)
  expect(fs.existsSync(path.join(r.root, '.vitest-profile', 'runs'))).toBe(false)
  const bootstrap = path.join(r.root, '.vitest-profile', 'bootstrap')
  expect(fs.existsSync(bootstrap) ? fs.readdirSync(bootstrap) : []).toEqual([])
})
