/**
 * Line and function budgets judged after the run (src/budgets/lines.ts) on a synthetic window: a 300 ms test
 * with one heavy line (150 ms, 150 samples: 100 ms on the test's thread, 50 ms on a worker), one light line
 * (3 ms, 3 samples), and a function `parseRow` in two files (the test's module and a worker's copy).
 */
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { foldVerdict, formatSampledFailure, judgeSampled, lineMatches, type Limits, type SampledLine, type WindowFigures } from '../../src/budgets/lines.js'
import { parseBudget } from '../../src/budgets/parse.js'

const root = path.resolve('/tmp/vp-project')
const url = (rel: string) => pathToFileURL(path.join(root, rel)).href

const heavy: SampledLine = { url: url('src/parse.ts'), file: 'src/parse.ts', line: 42, level: 'line', cpuUs: 150_000, mainUs: 100_000, workersUs: 50_000, samples: 150 }
const figures: WindowFigures = {
  sampledUs: 300_000,
  totalUs: 300_000,
  nEff: 300,
  lines: [
    heavy,
    { url: url('src/parse.ts'), file: 'src/parse.ts', line: 43, level: 'line', cpuUs: 3_000, mainUs: 3_000, workersUs: 0, samples: 3 },
    // The source map could not place these: the function's line stands for them. Never a line budget's figure.
    { url: url('src/parse.ts'), file: 'src/parse.ts', line: 42, level: 'function', cpuUs: 90_000, mainUs: 90_000, workersUs: 0, samples: 90 },
    { url: 'node:internal/fs', file: 'node:internal', line: null, level: 'function', cpuUs: 20_000, mainUs: 20_000, workersUs: 0, samples: 20 },
  ],
  functions: [
    { functionName: 'parseRow', file: 'src/parse.ts', line: 40, totalUs: 120_000, totalSamples: 120, totalMainUs: 120_000, totalWorkersUs: 0 },
    { functionName: 'parseRow', file: 'workers/parse.mjs', line: 3, totalUs: 60_000, totalSamples: 60, totalMainUs: 0, totalWorkersUs: 60_000 },
    { functionName: 'other', file: 'src/other.ts', line: 1, totalUs: 100_000, totalSamples: 100, totalMainUs: 100_000, totalWorkersUs: 0 },
  ],
}
const ctx = { rootDir: root, minSamples: 20 }

/** A budget as a test writes it, normalized the way the test's thread records its limits. */
function limitsOf(budget: Record<string, unknown>): Limits {
  const { budget: b, errors } = parseBudget(budget)
  expect(errors).toEqual([])
  return { lines: b!.lines, functions: b!.functions, ...(b!.minSamples !== undefined ? { minSamples: b!.minSamples } : {}), strict: b!.strict }
}

const judge1 = (budget: Record<string, unknown>, f: WindowFigures = figures, c: Parameters<typeof judgeSampled>[2] = ctx) => {
  const checks = judgeSampled(limitsOf(budget), f, c)
  expect(checks).toHaveLength(1)
  return checks[0]!
}

describe('a line budget in ms: the line self CPU over all threads, with its bound', () => {
  test('well under: pass', () => {
    const c = judge1({ lines: { 'src/parse.ts:42': '500ms' } })
    expect(c).toMatchObject({ key: 'lines.src/parse.ts:42', kind: 'line', verdict: 'pass', reason: null, cpuUs: 150_000, mainUs: 100_000, workersUs: 50_000, samples: 150 })
    expect(c.matched).toEqual(['src/parse.ts:42'])
    expect(c.lowUs).toBeLessThan(150_000)
    expect(c.highUs).toBeGreaterThan(150_000)
    expect(c.highUs).toBeLessThan(200_000)
  })

  test('well over: fail, with measured vs budget, the bound and the main/worker split', () => {
    const c = judge1({ lines: { 'src/parse.ts:42': '50ms' } })
    expect(c.verdict).toBe('fail')
    const [head, where] = formatSampledFailure(c)
    expect(head).toMatch(/^lines\.src\/parse\.ts:42 budget exceeded: self CPU of src\/parse\.ts:42 150 ms ± \d+(\.\d+)? ms > budget 50\.0 ms \(3\.00x\)$/)
    expect(where).toBe('  where the CPU of that line ran: test thread 100 ms, workers 50.0 ms')
  })

  test('the bound straddles the budget: inconclusive; under strict: fail', () => {
    const c = judge1({ lines: { 'src/parse.ts:42': '160ms' } })
    expect(c).toMatchObject({ verdict: 'inconclusive', reason: 'bound' })
    const s = judge1({ lines: { 'src/parse.ts:42': '160ms' }, strict: true })
    expect(s).toMatchObject({ verdict: 'fail', reason: 'bound' })
    expect(formatSampledFailure(s)[0]).toMatch(/^lines\.src\/parse\.ts:42 budget not confirmed \(strict\): .* straddles the budget 160 ms/)
  })
})

describe('a line budget as a share of the test CPU', () => {
  test('over, under and straddling', () => {
    expect(judge1({ lines: { 'src/parse.ts:42': '20%' } })).toMatchObject({ verdict: 'fail', share: 0.5 })
    expect(judge1({ lines: { 'src/parse.ts:42': '80%' } })).toMatchObject({ verdict: 'pass' })
    expect(judge1({ lines: { 'src/parse.ts:42': '52%' } })).toMatchObject({ verdict: 'inconclusive', reason: 'bound' })
    const msg = formatSampledFailure(judge1({ lines: { 'src/parse.ts:42': '20%' } }))[0]
    expect(msg).toMatch(/self CPU of src\/parse\.ts:42, share of the test's CPU 50\.0% ± \d+\.\d% \(150 ms\) > budget 20\.0% \(2\.50x\)/)
  })

  test("the share is of the test's whole CPU: processes that are not Node count, exactly (no bound of theirs)", () => {
    const withNative = { ...figures, totalUs: 600_000 }
    const c = judge1({ lines: { 'src/parse.ts:42': '30%' } }, withNative)
    expect(c.share).toBeCloseTo(0.25)
    expect(c.verdict).toBe('pass')
    // The ms bounds do not change with the native CPU.
    expect(c.highUs).toBe(judge1({ lines: { 'src/parse.ts:42': '30%' } }).highUs)
  })
})

describe('minSamples', () => {
  test('below the floor: inconclusive however far over, fail only under strict', () => {
    const c = judge1({ lines: { 'src/parse.ts:43': '0.1ms' } })
    expect(c).toMatchObject({ verdict: 'inconclusive', reason: 'samples', samples: 3, minSamples: 20 })
    const s = judge1({ lines: { 'src/parse.ts:43': '0.1ms' }, strict: true })
    expect(s).toMatchObject({ verdict: 'fail', reason: 'samples' })
    expect(formatSampledFailure(s)[0]).toMatch(/^lines\.src\/parse\.ts:43 budget not judged \(strict\): .* rests on 3 samples, fewer than minSamples 20; budget 0\.100 ms$/)
  })

  test("the budget's own minSamples wins over the plugin's", () => {
    expect(judge1({ lines: { 'src/parse.ts:42': '500ms' }, minSamples: 200 })).toMatchObject({ verdict: 'inconclusive', reason: 'samples', minSamples: 200 })
    expect(judge1({ lines: { 'src/parse.ts:42': '500ms' } }, figures, { ...ctx, minSamples: 200 })).toMatchObject({ verdict: 'inconclusive', minSamples: 200 })
    expect(judge1({ lines: { 'src/parse.ts:43': '500ms' }, minSamples: 2 })).toMatchObject({ verdict: 'pass' })
  })

  test('a line with no sample at all: inconclusive, nothing matched', () => {
    const c = judge1({ lines: { 'src/parse.ts:99': '1ms' } })
    expect(c).toMatchObject({ verdict: 'inconclusive', reason: 'samples', samples: 0, cpuUs: 0, matched: [] })
    expect(formatSampledFailure(c)[1]).toBe('  where the CPU ran: no sample of the test fell on that line')
  })
})

describe('a function budget: total CPU of every function of that name', () => {
  test('sums the functions of the name across files and threads, with the split of their totals', () => {
    const c = judge1({ functions: { parseRow: '100ms' } })
    expect(c).toMatchObject({ key: 'functions.parseRow', kind: 'function', verdict: 'fail', cpuUs: 180_000, mainUs: 120_000, workersUs: 60_000, samples: 180 })
    expect(c.matched).toEqual(['parseRow (src/parse.ts:40)', 'parseRow (workers/parse.mjs:3)'])
    const [head, where] = formatSampledFailure(c)
    expect(head).toMatch(/^functions\.parseRow budget exceeded: total CPU of parseRow\(\) 180 ms ± \d+(\.\d+)? ms > budget 100 ms \(1\.80x\)$/)
    expect(where).toBe('  where the CPU of that function ran: test thread 120 ms, workers 60.0 ms')
  })

  test('as a share', () => {
    expect(judge1({ functions: { parseRow: '90%' } })).toMatchObject({ verdict: 'pass', share: 0.6 })
    expect(judge1({ functions: { parseRow: '30%' } })).toMatchObject({ verdict: 'fail' })
  })
})

describe('line keys against attributed locations', () => {
  const one = (key: string, l: SampledLine, c: { rootDir: string; projectRoot?: string } = ctx) => {
    const parsed = limitsOf({ lines: { [key]: '1s' } }).lines[0]!
    return lineMatches(l, parsed, c)
  }

  test("'./' and backslashes in the key are the same file", () => {
    expect(one('src/parse.ts:42', heavy)).toBe(true)
    expect(one('./src/parse.ts:42', heavy)).toBe(true)
    expect(one('src\\parse.ts:42', heavy)).toBe(true)
    expect(one('src/parse.ts:41', heavy)).toBe(false)
    expect(one('parse.ts:42', heavy)).toBe(false)
  })

  test("keys are relative to the test's project root, display paths to vitest's root", () => {
    const inPkg: SampledLine = { ...heavy, url: url('packages/a/src/parse.ts'), file: 'packages/a/src/parse.ts' }
    const pkg = { rootDir: root, projectRoot: path.join(root, 'packages/a') }
    expect(one('src/parse.ts:42', inPkg, pkg)).toBe(true)
    expect(one('packages/a/src/parse.ts:42', inPkg, pkg)).toBe(false)
    expect(one('packages/a/src/parse.ts:42', inPkg)).toBe(true)
  })

  test('a line without a file URL falls back to its display path', () => {
    expect(one('src/parse.ts:42', { ...heavy, url: '' })).toBe(true)
    expect(one('node:fs:10', { ...heavy, url: 'node:fs', file: 'node:fs', line: 10 })).toBe(true)
  })

  test('only exactly placed lines count', () => {
    expect(one('src/parse.ts:42', { ...heavy, level: 'function' })).toBe(false)
    expect(one('src/parse.ts:42', { ...heavy, level: 'none' })).toBe(false)
  })

  test("several attributed entries of one line add up (the test's module and a worker's load of the same file)", () => {
    const twice = { ...figures, lines: [heavy, { ...heavy, mainUs: 0, workersUs: 30_000, cpuUs: 30_000, samples: 30 }] }
    expect(judge1({ lines: { 'src/parse.ts:42': '1s' } }, twice)).toMatchObject({ cpuUs: 180_000, mainUs: 100_000, workersUs: 80_000, samples: 180, matched: ['src/parse.ts:42'] })
  })
})

test("an attempt's verdict folds the line/function verdicts into its thread's", () => {
  expect(foldVerdict('pass', [])).toBe('pass')
  expect(foldVerdict('pass', [judge1({ lines: { 'src/parse.ts:43': '1s' } })])).toBe('inconclusive')
  expect(foldVerdict('inconclusive', [judge1({ lines: { 'src/parse.ts:42': '50ms' } })])).toBe('fail')
  expect(foldVerdict('fail', [judge1({ lines: { 'src/parse.ts:42': '1s' } })])).toBe('fail')
  expect(foldVerdict('invalid', [judge1({ lines: { 'src/parse.ts:42': '1s' } })])).toBe('invalid')
})

test('every budget of an attempt, lines first, in the order written', () => {
  const checks = judgeSampled(limitsOf({ functions: { parseRow: '1s' }, lines: { 'src/parse.ts:42': '1s', 'src/parse.ts:43': '1s' } }), figures, ctx)
  expect(checks.map((c) => `${c.key} ${c.verdict}`)).toEqual(['lines.src/parse.ts:42 pass', 'lines.src/parse.ts:43 inconclusive', 'functions.parseRow pass'])
})
