/**
 * The gate's decision (src/budgets/gate.ts) on hand-made figures: quiet on noise, loud on a real change, and
 * judged again on the median of the re-runs.
 */
import { describe, expect, test } from 'vitest'
import { buildBaseline, type Baseline, type Machine, type TestFigures, type TopLine } from '../../src/budgets/baseline.js'
import {
  breaching,
  compare,
  decide,
  DEFAULT_FLOOR_MS,
  DEFAULT_TOLERANCE,
  diffLines,
  formatPercent,
  formatTolerance,
  GATE_EXIT_CODE,
  judgeReruns,
  median,
  medianFigure,
  PROFILE_BOTH_HINT,
  PROFILE_THIS_RUN_HINT,
  spreadOf,
  type GateResult,
} from '../../src/budgets/gate.js'

const machine: Machine = { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'AMD EPYC 7763', node: 'v20.20.2', vitest: '4.1.12' }

function fig(key: string, cpuMs: number, extra: Partial<TestFigures> = {}): TestFigures {
  const parts = key.split(' › ')
  return { key, file: parts[0]!, name: parts.slice(1).join(' › '), cpuMs, mainMs: cpuMs, workersMs: 0, wallMs: cpuMs, boundMs: 0.5, ...extra }
}

/** A baseline whose test `key` ran with these CPU figures (one run of the suite each). */
function baselineOf(tests: Record<string, number[]>, topLines: Record<string, TopLine[]> = {}): Baseline {
  const runs = Math.max(...Object.values(tests).map((r) => r.length))
  return buildBaseline(
    Array.from({ length: runs }, (_, i) =>
      Object.entries(tests)
        .filter(([, cpu]) => cpu[i] !== undefined)
        .map(([key, cpu]) => fig(key, cpu[i]!, topLines[key] ? { topLines: topLines[key] } : {})),
    ),
    machine,
    '2025-01-31T12:00:00.000Z',
  )
}

const T = 'a.test.ts › parses'
const only = (r: GateResult, key = T) => r.tests.find((t) => t.key === key)!

describe('compare: quiet on noise', () => {
  test('defaults: 25% and 20 ms', () => {
    expect([DEFAULT_TOLERANCE, DEFAULT_FLOOR_MS]).toEqual([0.25, 20])
    const r = compare(baselineOf({ [T]: [300] }), [fig(T, 300)])
    expect(r.options).toEqual({ tolerance: 0.25, floorMs: 20, perTest: {} })
  })

  test('within the baseline runs\u2019 own spread: ok, even past the tolerance and the floor', () => {
    // median 330, +8.5% and +28 ms over it, but the baseline itself ran at 360, and its runs 60 ms apart.
    const r = compare(baselineOf({ [T]: [300, 330, 360] }), [fig(T, 358)], { tolerance: 0.05 })
    expect(only(r)).toMatchObject({ status: 'ok', deltaMs: 28, thresholds: { regressBy: 'spread', regressAboveMs: 390 } })
    expect(r.exitCode).toBe(0)
  })

  test('the range of identical runs: a median less than that range above its own is noise', () => {
    // bench/gate.mjs's Map/Set test: baseline runs 144, 202, 229 ms; re-runs on the unchanged tree 230-269.
    const base = baselineOf({ [T]: [144, 229, 202] })
    const at = (cpu: number) => only(compare(base, [fig(T, cpu)]))
    expect(at(255)).toMatchObject({ status: 'ok', thresholds: { regressBy: 'spread', regressAboveMs: 202 + 85 } })
    expect(at(290).status).toBe('regressed')
    expect(at(290).reason).toMatch(/is over 287 ms \(the baseline median 202 ms \+ the range of its runs, 85\.0 ms\)/)
    // A steady test keeps its tolerance: runs 2 ms apart do not loosen anything.
    const steady = baselineOf({ [T]: [250, 252, 251] })
    expect(only(compare(steady, [fig(T, 300)], { tolerance: 0.1 })).status).toBe('regressed')
    expect(only(compare(steady, [fig(T, 300)], { tolerance: 0.1 })).thresholds.regressBy).toBe('tolerance')
  })

  test('run-to-run noise of a steady test: ok at the default tolerance', () => {
    const base = baselineOf({ [T]: [300, 304, 297] })
    for (const cpu of [280, 290, 310, 330, 360]) expect(only(compare(base, [fig(T, cpu)])).status, `${cpu} ms`).toBe('ok')
  })

  test('a micro-test under the floor never regresses, whatever the ratio', () => {
    const r = compare(baselineOf({ [T]: [2, 2.1, 1.9] }), [fig(T, 15)])
    expect(only(r)).toMatchObject({ status: 'ok', thresholds: { regressBy: 'floor', regressAboveMs: 22 } })
    expect(only(r).deltaRatio).toBe(6.5)
    expect(only(compare(baselineOf({ [T]: [2, 2.1, 1.9] }), [fig(T, 23)])).status).toBe('regressed')
  })

  test('+20% is not a regression at the default 25%', () => {
    expect(only(compare(baselineOf({ [T]: [300, 302, 298] }), [fig(T, 360)])).status).toBe('ok')
  })
})

describe('compare: catches real changes', () => {
  test('+20% with a small spread, at a 10% tolerance: regressed, exit code 3', () => {
    const r = compare(baselineOf({ [T]: [300, 302, 298] }), [fig(T, 360)], { tolerance: 0.1 })
    expect(only(r)).toMatchObject({
      status: 'regressed',
      tolerance: 0.1,
      deltaMs: 60,
      deltaRatio: 0.2,
      baseline: { medianMs: 300, minMs: 298, maxMs: 302 },
      thresholds: { regressBy: 'tolerance' },
      reason: 'CPU 360 ms ± 0.500 ms is over 330 ms (the baseline median 300 ms + 10%)',
    })
    expect(only(r).thresholds!.regressAboveMs).toBeCloseTo(330, 9)
    expect(r.counts).toMatchObject({ regressed: 1, ok: 0 })
    expect(r.exitCode).toBe(GATE_EXIT_CODE)
    expect(GATE_EXIT_CODE).toBe(3)
  })

  test('+30% at the default tolerance: regressed', () => {
    expect(only(compare(baselineOf({ [T]: [300, 302, 298] }), [fig(T, 390)])).status).toBe('regressed')
  })

  test('a bound that straddles the threshold: inconclusive, not failing', () => {
    const r = compare(baselineOf({ [T]: [300] }), [fig(T, 376, { boundMs: 4 })])
    expect(only(r)).toMatchObject({ status: 'inconclusive', reason: 'CPU 376 ms ± 4.00 ms straddles 375 ms (the baseline median 300 ms + 25%)' })
    expect(r.exitCode).toBe(0)
    expect(only(compare(baselineOf({ [T]: [300] }), [fig(T, 380, { boundMs: 4 })])).status).toBe('regressed')
  })

  test('per-test tolerance (meta.budget.regression) over the global one', () => {
    const base = baselineOf({ [T]: [300, 302, 298], 'b.test.ts › other': [300, 302, 298] })
    const now = [fig(T, 420), fig('b.test.ts › other', 420)]
    const r = compare(base, now, { perTest: { [T]: 0.5 } })
    expect(only(r)).toMatchObject({ status: 'ok', tolerance: 0.5 })
    expect(only(r, 'b.test.ts › other')).toMatchObject({ status: 'regressed', tolerance: 0.25 })
    // A tight per-test tolerance still has the floor under it.
    expect(only(compare(base, [fig(T, 315)], { perTest: { [T]: 0.01 } })).status).toBe('ok')
    expect(only(compare(base, [fig(T, 325)], { perTest: { [T]: 0.01 } })).status).toBe('regressed')
  })

  test('a key twice in this run counts by its last entry', () => {
    expect(only(compare(baselineOf({ [T]: [300] }), [fig(T, 900), fig(T, 301)])).status).toBe('ok')
  })
})

describe('compare: improvements, new and gone tests', () => {
  test('improvement past the tolerance and the floor: reported, never failing', () => {
    const r = compare(baselineOf({ [T]: [300, 302, 298] }), [fig(T, 200)])
    expect(only(r)).toMatchObject({ status: 'improved', deltaMs: -100, reason: 'CPU 200 ms ± 0.500 ms is under 225 ms (the baseline median 300 ms − 25%)' })
    expect(r.exitCode).toBe(0)
    expect(only(compare(baselineOf({ [T]: [300, 302, 298] }), [fig(T, 240)])).status).toBe('ok')
    // A micro-test's halving is under the floor: not an improvement either.
    expect(only(compare(baselineOf({ [T]: [10] }), [fig(T, 5)])).status).toBe('ok')
    // Nor one inside the baseline's own spread.
    expect(only(compare(baselineOf({ [T]: [200, 300, 310] }), [fig(T, 210)], { tolerance: 0.1 })).status).toBe('ok')
  })

  test('new tests are new, gone tests are gone; neither fails; a lone pair in one file is a rename', () => {
    const base = baselineOf({ [T]: [300], 'a.test.ts › old name': [50], 'c.test.ts › removed': [40], 'c.test.ts › removed too': [40] })
    const r = compare(base, [fig(T, 300), fig('a.test.ts › new name', 55), fig('d.test.ts › added', 10)])
    expect(r.tests.map((t) => [t.key, t.status])).toEqual([
      ['a.test.ts › new name', 'new'],
      ['a.test.ts › old name', 'gone'],
      [T, 'ok'],
      ['c.test.ts › removed', 'gone'],
      ['c.test.ts › removed too', 'gone'],
      ['d.test.ts › added', 'new'],
    ])
    expect(only(r, 'a.test.ts › new name')).toMatchObject({ renamedFrom: 'a.test.ts › old name', baseline: null, deltaMs: null })
    expect(only(r, 'a.test.ts › old name')).toMatchObject({ renamedTo: 'a.test.ts › new name', current: null })
    expect(only(r, 'd.test.ts › added').renamedFrom).toBeUndefined()
    expect(only(r, 'c.test.ts › removed').renamedTo).toBeUndefined()
    expect(r.counts).toEqual({ regressed: 0, inconclusive: 0, improved: 0, new: 2, gone: 3, ok: 1 })
    expect(r.exitCode).toBe(0)
  })

  test('a baseline from another machine gives a warning, not a verdict', () => {
    const r = compare(baselineOf({ [T]: [300] }), [fig(T, 300)], { machine: { ...machine, cpus: 4 } })
    expect(r.machineWarning).toMatch(/^the baseline was made on another machine \(cores 2 in the baseline, 4 here\)/)
    expect(compare(baselineOf({ [T]: [300] }), [fig(T, 300)], { machine }).machineWarning).toBeNull()
  })
})

describe('per-line diff', () => {
  const base: TopLine[] = [
    { line: 'src/a.ts:12', selfMs: 200, mainMs: 200, workersMs: 0 },
    { line: 'src/b.ts:3', selfMs: 40, mainMs: 0, workersMs: 40 },
  ]
  const now: TopLine[] = [
    { line: 'src/a.ts:12', selfMs: 210, mainMs: 210, workersMs: 0 },
    { line: 'src/c.ts:9', selfMs: 120, mainMs: 0, workersMs: 120 },
  ]

  test('every line of either side, gainers first, a missing side null', () => {
    const { lines, hint } = diffLines(base, now)
    expect(hint).toBeNull()
    expect(lines).toEqual([
      { line: 'src/c.ts:9', baseline: null, current: { selfMs: 120, mainMs: 0, workersMs: 120 }, deltaMs: 120 },
      { line: 'src/a.ts:12', baseline: { selfMs: 200, mainMs: 200, workersMs: 0 }, current: { selfMs: 210, mainMs: 210, workersMs: 0 }, deltaMs: 10 },
      { line: 'src/b.ts:3', baseline: { selfMs: 40, mainMs: 0, workersMs: 40 }, current: null, deltaMs: -40 },
    ])
  })

  test('hints when a side was not profiled', () => {
    expect(diffLines(undefined, now)).toEqual({ lines: null, hint: PROFILE_BOTH_HINT })
    expect(diffLines(undefined, undefined).hint).toBe('profile both runs to see the lines: npx vitest-profile run --update-baseline on main, then npx vitest-profile run')
    expect(diffLines(base, undefined)).toEqual({ lines: null, hint: PROFILE_THIS_RUN_HINT })
  })

  test('compare fills them in', () => {
    const r = compare(baselineOf({ [T]: [300] }, { [T]: base }), [fig(T, 420, { topLines: now })])
    expect(only(r).lines?.map((l) => l.line)).toEqual(['src/c.ts:9', 'src/a.ts:12', 'src/b.ts:3'])
    expect(only(r).topLines).toEqual(now)
    expect(only(compare(baselineOf({ [T]: [300] }), [fig(T, 420)])).linesHint).toBe(PROFILE_BOTH_HINT)
  })
})

describe('judgeReruns', () => {
  const base = baselineOf({ [T]: [300, 302, 298], 'b.test.ts › steady': [100, 100, 100], 'b.test.ts › slow': [100, 101, 99] })
  const first = compare(base, [fig(T, 420), fig('b.test.ts › steady', 100), fig('b.test.ts › slow', 200)])

  test('the breaching tests are the ones to re-run', () => {
    expect(first.counts.regressed).toBe(2)
    expect(breaching(first)).toEqual([T, 'b.test.ts › slow'].sort())
  })

  test('a first-run breach whose re-runs median is back within: ok, each re-run recorded', () => {
    const reruns = [
      [fig(T, 310), fig('b.test.ts › slow', 205)],
      [fig(T, 420), fig('b.test.ts › slow', 198)],
      [fig(T, 305), fig('b.test.ts › slow', 210)],
    ]
    const r = judgeReruns(first, reruns)
    expect(only(r)).toMatchObject({
      status: 'ok',
      first: { cpuMs: 420 },
      current: { cpuMs: 310 },
      reruns: [{ cpuMs: 310 }, { cpuMs: 420 }, { cpuMs: 305 }],
      rerunsMissing: 0,
      deltaMs: 10,
    })
    expect(only(r).reason).toMatch(/^median of 3 re-runs: CPU 310 ms/)
    // A real regression stays one: its re-runs agree.
    expect(only(r, 'b.test.ts › slow')).toMatchObject({ status: 'regressed', current: { cpuMs: 205 } })
    expect(only(r, 'b.test.ts › steady').reruns).toEqual([])
    expect(r.rerun).toEqual({ times: 3, keys: [T, 'b.test.ts › slow'].sort() })
    expect(r.counts).toMatchObject({ regressed: 1, ok: 2 })
    expect(r.exitCode).toBe(GATE_EXIT_CODE)
  })

  test('the median, not the first run nor the mean, decides', () => {
    // One slow re-run of three cannot fail it, though it pulls the mean (401 ms) over 375 ms; two of three do.
    expect(only(judgeReruns(first, [[fig(T, 300)], [fig(T, 600)], [fig(T, 302)]])).status).toBe('ok')
    expect(only(judgeReruns(first, [[fig(T, 390)], [fig(T, 420)], [fig(T, 400)]])).status).toBe('regressed')
    // Even count: the mean of the middle two.
    expect(only(judgeReruns(first, [[fig(T, 300)], [fig(T, 380)], [fig(T, 360)], [fig(T, 900)]])).current?.cpuMs).toBe(370)
  })

  test('re-runs that differ by as much as they rose: inconclusive, never failing', () => {
    // Two of three slow, but 200 ms apart for a 100 ms rise: the re-runs are no evidence either way.
    const noisy = only(judgeReruns(first, [[fig(T, 300)], [fig(T, 500)], [fig(T, 400)]]))
    expect(noisy.status).toBe('inconclusive')
    expect(noisy.reason).toMatch(/is over .*; but its re-runs differ by 200 ms, more than the 100 ms they rose: too noisy to judge$/)
    // bench/gate.mjs's Map/Set test against its 175-201 ms baseline: re-runs 262, 111 and 229 ms.
    const base2 = baselineOf({ [T]: [190, 201, 175] })
    const first2 = compare(base2, [fig(T, 219)], { tolerance: 0.1 })
    expect(only(first2).status).toBe('regressed')
    const r = judgeReruns(first2, [[fig(T, 262)], [fig(T, 111)], [fig(T, 229)]])
    expect(only(r).status).toBe('inconclusive')
    expect(r.exitCode).toBe(0)
  })

  test('re-runs that did not measure the test: counted, and the first figure stands when none did', () => {
    const some = only(judgeReruns(first, [[fig(T, 300)], [], [fig(T, 301)]]))
    expect(some).toMatchObject({ status: 'ok', rerunsMissing: 1, reruns: [{ cpuMs: 300 }, { cpuMs: 301 }] })
    const none = only(judgeReruns(first, [[], []]))
    expect(none).toMatchObject({ status: 'regressed', rerunsMissing: 2, reruns: [], current: { cpuMs: 420 } })
    expect(none.reason).toMatch(/^no re-run measured it, so this run's figure stands: CPU 420 ms/)
  })

  test('an inconclusive first run is settled by its re-runs', () => {
    const r1 = compare(baselineOf({ [T]: [300] }), [fig(T, 376, { boundMs: 4 })])
    expect(breaching(r1)).toEqual([T])
    expect(only(judgeReruns(r1, [[fig(T, 390)], [fig(T, 392)], [fig(T, 395)]])).status).toBe('regressed')
  })

  test('the median re-run\u2019s lines replace the first run\u2019s in the diff', () => {
    const b = baselineOf({ [T]: [300] }, { [T]: [{ line: 'src/a.ts:1', selfMs: 100, mainMs: 100, workersMs: 0 }] })
    const r1 = compare(b, [fig(T, 500, { topLines: [{ line: 'src/a.ts:1', selfMs: 300, mainMs: 300, workersMs: 0 }] })])
    const hot = (ms: number): TopLine[] => [{ line: 'src/b.ts:2', selfMs: ms, mainMs: 0, workersMs: ms }]
    const r = judgeReruns(r1, [[fig(T, 480, { topLines: hot(180) })], [fig(T, 470, { topLines: hot(170) })], [fig(T, 490, { topLines: hot(190) })]])
    expect(only(r).lines?.map((l) => [l.line, l.deltaMs])).toEqual([
      ['src/b.ts:2', 180],
      ['src/a.ts:1', -100],
    ])
  })

  test('no re-runs: the result as it was', () => {
    expect(judgeReruns(first, [])).toBe(first)
  })
})

describe('pieces', () => {
  test('median and medianFigure', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
    const f = (cpuMs: number, boundMs: number) => ({ cpuMs, mainMs: cpuMs, workersMs: 0, wallMs: cpuMs, boundMs })
    expect(medianFigure([f(3, 1), f(1, 5), f(2, 2)])).toEqual(f(2, 2))
    expect(medianFigure([f(4, 1), f(1, 1), f(3, 3), f(2, 2)])).toEqual(f(2.5, 3))
  })

  test('decide: a figure that is not a number is inconclusive', () => {
    const s = spreadOf([{ cpuMs: 100, mainMs: 100, workersMs: 0, wallMs: 100, boundMs: 0 }])
    expect(decide(s, { cpuMs: Number.NaN, mainMs: 0, workersMs: 0, wallMs: 0, boundMs: 0 }, 0.25, 20).status).toBe('inconclusive')
  })

  test('a tolerance of 100% or more: nothing can be an improvement', () => {
    const s = spreadOf([{ cpuMs: 100, mainMs: 100, workersMs: 0, wallMs: 100, boundMs: 0 }])
    expect(decide(s, { cpuMs: 0, mainMs: 0, workersMs: 0, wallMs: 0, boundMs: 0 }, 1.5, 20)).toMatchObject({ status: 'ok', thresholds: { improveBelowMs: 0 } })
  })
})

test('formatTolerance and formatPercent', () => {
  expect([0.25, 0.125, 0.1, 1.5].map(formatTolerance)).toEqual(['25%', '12.5%', '10%', '150%'])
  expect([0.3733, 0.053, 0.05, 0.2].map(formatPercent)).toEqual(['37%', '5.3%', '5%', '20%'])
})
