/**
 * The gate's renderers (src/budgets/gate-report.ts) on one hand-made gate run with every kind of test, against
 * reviewed golden files in test/recorded/gate/ (after an intended change: UPDATE_GOLDEN=1 npx vitest run
 * test/unit/gate-report.test.ts, then review the diff); GitHub's escaping on its own.
 */
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import { goldenIn } from '../helpers/golden.js'
import { buildBaseline, type Machine, type TestFigures, type TopLine } from '../../src/budgets/baseline.js'
import { compare, judgeReruns, type GateResult } from '../../src/budgets/gate.js'
import { escapeData, escapeProperty, formatGateMarkdown, formatGateText, formatMsList, GATE_RENDERERS, gateSummaryLine, githubAnnotations, hottestLine } from '../../src/budgets/gate-report.js'

const golden = goldenIn(path.join(import.meta.dirname, '../recorded/gate'))

const machine: Machine = { platform: 'linux', arch: 'x64', cpus: 4, cpuModel: 'AMD EPYC 7763', node: 'v20.20.2', vitest: '4.1.12' }

function fig(key: string, cpuMs: number, extra: Partial<TestFigures> = {}): TestFigures {
  const parts = key.split(' › ')
  return { key, file: parts[1]!, name: parts.slice(2).join(' › '), cpuMs, mainMs: cpuMs, workersMs: 0, wallMs: cpuMs + 3, boundMs: 0.5, ...extra }
}
const line = (l: string, mainMs: number, workersMs: number): TopLine => ({ line: l, selfMs: mainMs + workersMs, mainMs, workersMs })

const PARSE = 'unit › test/parse.test.ts › parseRow › splits quoted fields'
const RESIZE = 'unit › test/image.test.ts › resize › in workers'
const NOISY = 'unit › test/image.test.ts › resize › noisy: 50%, sometimes'
const CACHE = 'unit › test/cache.test.ts › warm cache'
const FAST = 'unit › test/cache.test.ts › lookup'
const OLD = 'e2e › test/app.test.ts › boots'
const NEW = 'e2e › test/app.test.ts › boots fast'
const GONE = 'unit › test/legacy.test.ts › removed'
const MICRO = 'unit › test/util.test.ts › tiny'
const FLAKY = 'unit › test/util.test.ts › flaky neighbour'

/** A gate run with every kind of test, after re-running the breaching ones 3 times. */
function scenario(): GateResult {
  const baseLines = [line('src/parse.ts:42', 180, 0), line('src/parse.ts:57', 60, 0), line('src/row.ts:9', 20, 0)]
  const run = (i: number): TestFigures[] => [
    fig(PARSE, [300, 305, 298][i]!, { topLines: baseLines }),
    fig(RESIZE, [800, 810, 790][i]!, { mainMs: 100, workersMs: [700, 710, 690][i]! }),
    fig(NOISY, [100, 101, 99][i]!),
    fig(CACHE, [400, 402, 398][i]!),
    fig(FAST, [50, 50, 50][i]!),
    fig(OLD, [1200, 1190, 1210][i]!),
    fig(GONE, [40, 41, 39][i]!),
    fig(MICRO, [2, 2.1, 1.9][i]!),
    fig(FLAKY, [200, 202, 198][i]!),
  ]
  const baseline = buildBaseline([run(0), run(1), run(2)], { ...machine, cpus: 2 }, '2025-01-31T12:00:00.000Z')
  const now: TestFigures[] = [
    fig(PARSE, 420, { mainMs: 400, workersMs: 20, topLines: [line('src/parse.ts:42', 290, 0), line('src/parse.ts:57', 61, 0), line('src/cache.ts:5', 0, 20)] }),
    fig(RESIZE, 1100, { mainMs: 100, workersMs: 1000 }),
    fig(NOISY, 124, { boundMs: 6 }),
    fig(CACHE, 250),
    fig(FAST, 51),
    fig(NEW, 1150),
    fig(MICRO, 9),
    fig(FLAKY, 400),
  ]
  const first = compare(baseline, now, { machine })
  return judgeReruns(first, [
    [fig(PARSE, 412), fig(RESIZE, 1110, { mainMs: 100, workersMs: 1010 }), fig(NOISY, 131, { boundMs: 6 }), fig(FLAKY, 210)],
    [fig(PARSE, 405), fig(RESIZE, 1090, { mainMs: 100, workersMs: 990 }), fig(NOISY, 127, { boundMs: 6 }), fig(FLAKY, 450)],
    [fig(PARSE, 420), fig(RESIZE, 1105, { mainMs: 100, workersMs: 1005 }), fig(NOISY, 126, { boundMs: 6 }), fig(FLAKY, 204)],
  ])
}

describe('gate renderers (golden)', () => {
  const r = scenario()

  test('the scenario is what the goldens show', () => {
    expect(r.tests.map((t) => [t.key, t.status])).toEqual([
      [OLD, 'gone'],
      [NEW, 'new'],
      [FAST, 'ok'],
      [CACHE, 'improved'],
      [RESIZE, 'regressed'],
      [NOISY, 'inconclusive'],
      [GONE, 'gone'],
      [PARSE, 'regressed'],
      [FLAKY, 'ok'],
      [MICRO, 'ok'],
    ])
    expect(r.exitCode).toBe(3)
  })

  test('terminal text', () => golden('text.txt', formatGateText(r, { color: false, width: 160 }) + '\n'))
  test('terminal text, 80 columns', () => golden('text-80.txt', formatGateText(r, { color: false, width: 80 }) + '\n'))
  test('markdown (step summary)', () => golden('summary.md', formatGateMarkdown(r)))
  test('GitHub workflow commands', () => golden('github.txt', githubAnnotations(r, 'packages/app')))

  test('the summary line', () => {
    expect(gateSummaryLine(r)).toBe('gate: 2 regressed, 1 improved, 1 new, 2 gone, 3 ok, 1 inconclusive (tolerance 25%, floor 20 ms)')
  })

  test('colour only when asked', () => {
    expect(formatGateText(r, { color: true, width: 160 })).toMatch(/\x1b\[31m/)
    expect(formatGateText(r, { color: false, width: 160 })).not.toMatch(/\x1b/)
  })

  test('every line fits the width', () => {
    for (const l of formatGateText(r, { color: false, width: 80 }).split('\n')) expect(l.length, l).toBeLessThanOrEqual(80)
  })

  test('one interface: the three renderers', () => {
    const ctx = { color: false, width: 160, rootDir: 'packages/app' }
    expect(GATE_RENDERERS.map((x) => x.name)).toEqual(['text', 'markdown', 'github'])
    expect(GATE_RENDERERS.map((x) => x.render(r, ctx))).toEqual([formatGateText(r, ctx), formatGateMarkdown(r), githubAnnotations(r, 'packages/app')])
  })

  test('all quiet: one line, no table, no commands', () => {
    const b = buildBaseline([[fig(FAST, 50)]], machine, '2025-01-31T12:00:00.000Z')
    const quiet = compare(b, [fig(FAST, 52)], { machine })
    expect(formatGateText(quiet, { color: false, width: 100 })).toBe('gate: 0 regressed, 0 improved, 0 new, 0 gone, 1 ok (tolerance 25%, floor 20 ms)')
    expect(formatGateMarkdown(quiet)).toContain('All 1 tests are within their baselines.')
    expect(githubAnnotations(quiet, '')).toBe('')
  })
})

describe('GitHub workflow commands', () => {
  test('escaping: data escapes % CR LF (% first); properties also : and ,', () => {
    expect(escapeData('50%\r\nnext: a, b')).toBe('50%25%0D%0Anext: a, b')
    expect(escapeData('%0A')).toBe('%250A')
    expect(escapeProperty('noisy: 50%, sometimes\n')).toBe('noisy%3A 50%25%2C sometimes%0A')
  })

  test('an error annotation: escaped properties and message, one command per line', () => {
    const r = scenario()
    const out = githubAnnotations(r, '')
    const lines = out.split('\n').filter(Boolean)
    expect(out.endsWith('\n')).toBe(true)
    for (const l of lines) expect(l).toMatch(/^::(error|warning|notice)( [a-zA-Z]+=[^,:\r\n]*(,[a-zA-Z]+=[^,:\r\n]*)*)?::[^\r\n]*$/)
    const noisy = lines.find((l) => l.includes('inconclusive'))!
    expect(noisy).toContain('title=CPU regression inconclusive%3A unit › test/image.test.ts › resize › noisy%3A 50%25%2C sometimes::')
    expect(noisy).toContain('::unit › test/image.test.ts › resize › noisy: 50%25, sometimes: CPU ')
  })

  test('where: the line that gained most, else the hottest line, else the test file at line 1', () => {
    const r = scenario()
    const parse = r.tests.find((t) => t.key === PARSE)!
    expect(hottestLine(parse)).toEqual({ file: 'src/parse.ts', line: 42 })
    expect(hottestLine({ ...parse, lines: null })).toEqual({ file: 'src/parse.ts', line: 42 })
    expect(hottestLine({ ...parse, lines: null, topLines: [line('lodash', 5, 0), line('src/z.ts:3', 1, 0)] })).toEqual({ file: 'src/z.ts', line: 3 })
    expect(hottestLine({ ...parse, lines: null, topLines: null })).toBeNull()
    const out = githubAnnotations(r, 'packages/app/')
    expect(out).toContain('::error file=packages/app/src/parse.ts,line=42,title=')
    expect(out).toContain('::error file=packages/app/test/image.test.ts,line=1,title=')
    // Outside the repository: no location rather than a wrong one.
    const outside = githubAnnotations({ ...r, tests: r.tests.map((t) => (t.key === RESIZE ? { ...t, file: '../../../elsewhere.test.ts' } : t)) }, 'packages/app')
    expect(outside).toMatch(/^::error title=CPU regression%3A unit › test\/image\.test\.ts › resize › in workers::/m)
  })
})

test('formatMsList: one unit for all', () => {
  expect(formatMsList([412, 405, 420])).toBe('412, 405, 420 ms')
  expect(formatMsList([12.5, 0, 3])).toBe('12.5, 0, 3.00 ms')
  expect(formatMsList([1200, 980])).toBe('1.20, 0.980 s')
})
