/**
 * The gate's load model (src/budgets/calibration.ts) and what it does to verdicts (gate.ts, gate-report.ts), on
 * fixed probe figures: the factors, their noise bands and caps, the verdicts they change and the ones they must
 * not, old and bad calibrations, re-runs judged under their own load, and the words the output uses (golden
 * test/recorded/gate/text-load.txt; after an intended change: UPDATE_GOLDEN=1, then review the diff).
 */
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import { goldenIn } from '../helpers/golden.js'
import { buildBaseline, type Baseline, type BaselineRun, type Machine, type TestFigures } from '../../src/budgets/baseline.js'
import {
  CALIBRATION_CAP,
  loadModel,
  mergeCalibrations,
  readCalibration,
  testLoad,
  type Calibration,
  type LoadModel,
} from '../../src/budgets/calibration.js'
import { compare, judgeReruns } from '../../src/budgets/gate.js'
import { formatGateMarkdown, formatGateText, loadSentence } from '../../src/budgets/gate-report.js'

const golden = goldenIn(path.join(import.meta.dirname, '../recorded/gate'))

const machine: Machine = { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'AMD EPYC 7763', node: 'v20.20.2', vitest: '4.1.12' }

/** A probe record: every repetition the same figure (medians are then exact). */
const probe = (arithmeticMs: number, memoryMs: number, helpersMs: number, reps = 4): Calibration => ({
  probe: 1,
  clock: 'thread',
  arithmeticMs: Array(reps).fill(arithmeticMs),
  memoryMs: Array(reps).fill(memoryMs),
  helpersMs: Array(reps).fill(helpersMs),
})
// At the baseline: arithmetic 5 ms, memory 12 ms with 6 ms on the helpers (a background share of 0.5).
const AT_BASELINE = probe(5, 12, 6)
/** Now: the arithmetic and memory parts `a` and `m` times what they were. */
const now = (a: number, m: number) => probe(5 * a, 12 * m, 5)
const model = (a: number, m: number) => loadModel(AT_BASELINE, now(a, m))

// Baseline runs on a precise clock (bound 0; Node 20's schedstat has 8 ms: see the test of the bound).
const run = (cpuMs: number, helpersMs?: number, boundMs = 0): BaselineRun => ({ cpuMs, mainMs: cpuMs, workersMs: 0, wallMs: cpuMs, boundMs, ...(helpersMs !== undefined ? { helpersMs } : {}) })

function fig(key: string, cpuMs: number, extra: Partial<TestFigures> = {}): TestFigures {
  const parts = key.split(' › ')
  return { key, file: parts[0]!, name: parts.slice(1).join(' › '), cpuMs, mainMs: cpuMs, workersMs: 0, wallMs: cpuMs, boundMs: 0.5, ...extra }
}

// A loop-bound test (no background work) and a Map/Set-heavy one (half of its CPU again on GC helpers, as the
// probe's memory part), as bench/gate.mjs has them.
const LOOP = 'compute.test.ts › compute › checksum'
const INDEX = 'offload.test.ts › offload › index: map and set'
const NEW = 'offload.test.ts › offload › brand new'

function baseline(calibration: Calibration | null = AT_BASELINE): Baseline {
  const runs = [0, 1, 2].map((i) => [fig(LOOP, [268, 270, 266][i]!, { helpersMs: 1, boundMs: 0 }), fig(INDEX, [150, 152, 148][i]!, { helpersMs: 75, boundMs: 0 })])
  return buildBaseline(runs, machine, '2025-01-31T12:00:00.000Z', calibration)
}
const only = (r: ReturnType<typeof compare>, key: string) => r.tests.find((t) => t.key === key)!

describe('loadModel', () => {
  test('ratios of the medians, now over the baseline, and the probe\u2019s background share', () => {
    expect(model(1, 1.4)).toEqual({ status: 'scaled', arithmetic: 1, memory: expect.closeTo(1.4, 9), probeShare: 0.5, detail: null })
    // Medians: one reading gone wrong either way (a clock read around a preemption) moves nothing.
    const mixed = loadModel({ ...AT_BASELINE, arithmeticMs: [5, 5.2, 4.9, 30, 3.2], memoryMs: [12, 11, 13, 40, 12] }, { ...now(1, 1), arithmeticMs: [5.5, 5.1, 0, 9.4, 5.2], memoryMs: [13, 12, 14, 11, 12.5] })
    expect(mixed.arithmetic).toBeCloseTo(5.2 / 5, 9)
    expect(mixed.memory).toBeCloseTo(12.5 / 12, 9)
  })

  test('within the noise bands (3% arithmetic, 5% memory): steady, nothing scaled', () => {
    expect(model(1.02, 1.04).status).toBe('steady')
    expect(model(1.04, 1).status).toBe('scaled')
    expect(model(1, 1.06).status).toBe('scaled')
    expect(model(1, 0.9).status).toBe('scaled')
  })

  test('no calibration, one that cannot be read, another probe or clock, a failed probe: not measured, and why', () => {
    expect(loadModel(undefined, now(1, 1))).toMatchObject({ status: 'none', arithmetic: null })
    expect(loadModel({ invalid: 'its calibration has no probe version' }, now(1, 1))).toMatchObject({ status: 'invalid', detail: 'its calibration has no probe version' })
    expect(loadModel({ ...AT_BASELINE, probe: 2 }, now(1, 1))).toMatchObject({ status: 'incomparable', detail: 'probe 2 on the thread clock in the baseline, probe 1 on the thread clock here' })
    expect(loadModel(AT_BASELINE, { ...now(1, 1), clock: 'process' }).status).toBe('incomparable')
    expect(loadModel(AT_BASELINE, { error: 'exit code 1' })).toMatchObject({ status: 'unavailable', detail: 'exit code 1' })
    expect(loadModel(AT_BASELINE, null).status).toBe('unavailable')
  })

  test('a probe without helper figures (the process clock), or with too few to divide by: no share', () => {
    expect(loadModel({ ...AT_BASELINE, helpersMs: [] }, now(1, 1.4)).probeShare).toBeNull()
    expect(loadModel({ ...AT_BASELINE, helpersMs: [0.2, 0.2] }, now(1, 1.4)).probeShare).toBeNull()
  })
})

describe('testLoad: each test by its own background share', () => {
  const m = model(1, 1.4)

  test('a loop (no background work) moves with the arithmetic part alone', () => {
    expect(testLoad(m, [run(268, 0)])).toEqual({ factor: 1, regress: 1, improve: 1, capped: false, basis: 'share' })
    expect(testLoad(model(1.1, 1.4), [run(268, 0)])!.regress).toBeCloseTo(1.1, 9)
  })

  test('a test like the probe (share 0.5) by its memory part; half of it, half way; more, further (weight ≤ 4)', () => {
    expect(testLoad(m, [run(150, 75)])!.regress).toBeCloseTo(1.4, 9)
    expect(testLoad(m, [run(150, 37.5)])!.regress).toBeCloseTo(1.2, 9)
    expect(testLoad(m, [run(100, 100)])!.regress).toBeCloseTo(1.8, 9)
    // share 5 → weight 10, capped at 4: 1 + 0.4 × 4, over the cap of 2.
    expect(testLoad(m, [run(100, 500)])).toMatchObject({ regress: CALIBRATION_CAP, capped: true })
    expect(testLoad(m, [run(100, 500)])!.factor).toBeCloseTo(2.6, 9)
  })

  test('the medians of the baseline runs; only the helpers beyond the clock\u2019s bound count', () => {
    expect(testLoad(m, [run(140, 60), run(150, 75), run(200, 90)])!.regress).toBeCloseTo(1 + 0.4 * (75 / 150 / 0.5), 9)
    // A loop-bound test on Node 20 (schedstat, 8 ms bound) whose helpers figure is 6 ms: all of it clock error.
    expect(testLoad(m, [run(250, 6, 8)])!.regress).toBe(1)
    expect(testLoad(m, [run(150, 83, 8)])!.regress).toBeCloseTo(1.4, 9)
  })

  test('the CPU of its workers and processes: bounded by the two parts, whatever the test\u2019s own share', () => {
    // A forked child's CPU (workersMs), no helpers of its own in the test's process: max up, min down.
    const child = (cpuMs: number, mainMs: number): BaselineRun => ({ cpuMs, mainMs, workersMs: cpuMs - mainMs, wallMs: cpuMs, boundMs: 0, helpersMs: 0 })
    expect(testLoad(model(1, 1.4), [child(368, 0)])).toMatchObject({ regress: expect.closeTo(1.4, 9), basis: 'share' })
    expect(testLoad(model(1, 0.6), [child(368, 0)])).toMatchObject({ regress: 1, improve: expect.closeTo(0.6, 9) })
    // Half in the test's own loop, half in the child: half way, both ways.
    expect(testLoad(model(1, 1.4), [child(200, 100)])!.regress).toBeCloseTo(1.2, 9)
    expect(testLoad(model(1, 0.6), [child(200, 100)])!.improve).toBeCloseTo(0.8, 9)
    // A faster core tightens only the test's own loop-like half.
    expect(testLoad(model(0.8, 0.8), [child(200, 100)])!.regress).toBeCloseTo(0.9, 9)
  })

  test('no helpers figure (a threads pool, an older baseline): the bound, max up and min down', () => {
    expect(testLoad(m, [run(268)])).toEqual({ factor: expect.closeTo(1.4, 9), regress: expect.closeTo(1.4, 9), improve: 1, capped: false, basis: 'bound' })
    expect(testLoad(m, [run(268, 1), run(270)])!.basis).toBe('bound')
    expect(testLoad(loadModel({ ...AT_BASELINE, helpersMs: [] }, now(1, 1.4)), [run(268, 1)])!.basis).toBe('bound')
    expect(testLoad(model(0.8, 1.2), [run(268)])).toMatchObject({ regress: 1.2, improve: 0.8 })
  })

  test('a faster machine tightens regressions only by the arithmetic part, on the test\u2019s arithmetic-like share', () => {
    // The loop (share ~0): 0.8, as its arithmetic. Improvements: its factor.
    expect(testLoad(model(0.8, 0.8), [run(268, 0)])).toMatchObject({ regress: expect.closeTo(0.8, 9), improve: expect.closeTo(0.8, 9) })
    // A test like the probe: never below 1 for regressions (the memory part is too noisy to tighten by).
    expect(testLoad(model(0.8, 0.8), [run(150, 75)])).toMatchObject({ regress: 1, improve: expect.closeTo(0.8, 9) })
    // Half like it: half way.
    expect(testLoad(model(0.8, 0.8), [run(150, 37.5)])!.regress).toBeCloseTo(0.9, 9)
    // The memory part alone faster (noise or not): nothing tightens.
    expect(testLoad(model(1, 0.6), [run(150, 75)])).toMatchObject({ regress: 1, improve: expect.closeTo(0.6, 9) })
    expect(testLoad(model(1, 0.6), [run(268, 0)])!.regress).toBe(1)
    // No share known: nothing tightens either.
    expect(testLoad(model(0.8, 0.8), [run(268)])!.regress).toBe(1)
  })

  test('noise counts as 1; a model that does not scale gives none', () => {
    // memory 1.04 is within its band: 1. The loop moves with the arithmetic part, a test like the probe with
    // the memory part (1), and one that leans harder on the helpers is never put below the faster part.
    expect(testLoad(model(1.1, 1.04), [run(268, 0)])!.regress).toBeCloseTo(1.1, 9)
    expect(testLoad(model(1.1, 1.04), [run(150, 75)])!.regress).toBe(1)
    expect(testLoad(model(1.2, 0.8), [run(100, 200)])).toMatchObject({ regress: 1, improve: expect.closeTo(0.8, 9) })
    expect(testLoad(model(1, 1), [run(150, 75)])).toBeNull()
    expect(testLoad(loadModel(undefined, now(1, 2)), [run(150, 75)])).toBeNull()
    expect(testLoad(null, [run(150, 75)])).toBeNull()
  })
})

describe('the verdicts it changes, and the ones it must not', () => {
  // Under load, as bench/gate.mjs measured: the loop within 2%, the Map/Set test 1.38x its baseline.
  const loaded = model(1, 1.4)

  test('a memory-heavy test 1.38x slower on a loaded machine: regressed without calibration, ok with it', () => {
    const figures = [fig(LOOP, 272), fig(INDEX, 207)]
    expect(only(compare(baseline(), figures, { tolerance: 0.1 }), INDEX).status).toBe('regressed')
    const r = compare(baseline(), figures, { tolerance: 0.1, load: loaded })
    expect(only(r, INDEX)).toMatchObject({ status: 'ok', load: { regress: expect.closeTo(1.4, 9), basis: 'share' } })
    expect(only(r, INDEX).thresholds!.regressAboveMs).toBeCloseTo(150 * 1.4 * 1.1, 9)
    expect(r.exitCode).toBe(0)
  })

  test('a real +20% of the loop under the same load is still caught: its factor is the arithmetic one', () => {
    const r = compare(baseline(), [fig(LOOP, 268 * 1.2), fig(INDEX, 207)], { tolerance: 0.1, load: loaded })
    expect(only(r, LOOP)).toMatchObject({ status: 'regressed', load: { regress: expect.closeTo(1 + 0.4 * (1 / 268 / 0.5), 9) } })
    expect(only(r, LOOP).reason).toBe('CPU 322 ms ± 0.500 ms is over 296 ms (the baseline median 268 ms × 1.003 for load + 10%)')
    expect(r.exitCode).toBe(3)
  })

  test('the memory-heavy test\u2019s own regression beyond the load is caught too', () => {
    expect(only(compare(baseline(), [fig(INDEX, 150 * 1.4 * 1.25)], { tolerance: 0.1, load: loaded }), INDEX).status).toBe('regressed')
  })

  test('a slower machine does not invent improvements; a faster one tightens the loop-like tests only', () => {
    // 10% under the baseline with the memory part 1.4x slower: ok, as without calibration (improvements use min(1, f)).
    expect(only(compare(baseline(), [fig(INDEX, 120)], { tolerance: 0.1, load: loaded }), INDEX).status).toBe('improved')
    expect(only(compare(baseline(), [fig(INDEX, 140)], { tolerance: 0.1, load: loaded }), INDEX).status).toBe('ok')
    // The machine 20% faster: the loop at +8% ran 35% slower than the machine does now: regressed (a baseline
    // made on a loaded machine hides no regression)...
    const faster = model(0.8, 0.8)
    expect(only(compare(baseline(), [fig(LOOP, 290)], { tolerance: 0.1 }), LOOP).status).toBe('ok')
    expect(only(compare(baseline(), [fig(LOOP, 290)], { tolerance: 0.1, load: faster }), LOOP).status).toBe('regressed')
    // ...the memory-heavy test at +8% is not tightened: ok as before...
    expect(only(compare(baseline(), [fig(INDEX, 162)], { tolerance: 0.1, load: faster }), INDEX).status).toBe('ok')
    // ...and a test 20% faster, as fast as the machine, is not credited with an improvement the machine explains.
    expect(only(compare(baseline(), [fig(LOOP, 214)], { tolerance: 0.1 }), LOOP).status).toBe('improved')
    expect(only(compare(baseline(), [fig(LOOP, 214)], { tolerance: 0.1, load: faster }), LOOP).status).toBe('ok')
  })

  test('over the cap: too loaded to judge, inconclusive (and re-run), never regressed', () => {
    const r = compare(baseline(), [fig(INDEX, 600)], { tolerance: 0.1, load: model(1, 3) })
    expect(only(r, INDEX)).toMatchObject({ status: 'inconclusive', load: { capped: true, regress: 2 } })
    expect(only(r, INDEX).reason).toMatch(/^too loaded to judge: the machine would excuse ×3\.00, over the ×2\.00 cap; CPU 600 ms/)
    expect(r.exitCode).toBe(0)
    // Within the capped thresholds it is simply ok.
    expect(only(compare(baseline(), [fig(INDEX, 300)], { tolerance: 0.1, load: model(1, 3) }), INDEX).status).toBe('ok')
  })

  test('an old baseline (no calibration): judged as before, the model says so', () => {
    const old = baseline(null)
    expect(old.calibration).toBeUndefined()
    const load = loadModel(old.calibration, now(1, 1.4))
    const r = compare(old, [fig(INDEX, 207)], { tolerance: 0.1, load })
    expect(only(r, INDEX)).toMatchObject({ status: 'regressed', load: null })
    expect(r.calibration).toEqual({ run: load, reruns: null })
  })

  test('new tests are not scaled (nothing to scale)', () => {
    expect(only(compare(baseline(), [fig(NEW, 50)], { load: loaded }), NEW)).toMatchObject({ status: 'new', load: null })
  })

  test('re-runs are judged under the re-runs\u2019 own load', () => {
    const quiet = model(1, 1)
    const first = compare(baseline(), [fig(INDEX, 210)], { tolerance: 0.1, load: quiet })
    expect(only(first, INDEX).status).toBe('regressed')
    const reruns = [[fig(INDEX, 205)], [fig(INDEX, 209)], [fig(INDEX, 207)]]
    // The load came during the re-runs: judged with it.
    const r = judgeReruns(first, reruns, { tolerance: 0.1, load: loaded })
    expect(only(r, INDEX)).toMatchObject({ status: 'ok', load: { regress: expect.closeTo(1.4, 9) } })
    expect(r.calibration).toEqual({ run: quiet, reruns: loaded })
    // Without a re-run model, this run's stands.
    expect(only(judgeReruns(first, reruns, { tolerance: 0.1 }), INDEX).status).toBe('regressed')
  })
})

describe('the calibration record', () => {
  test('probes pooled in order; none, or different probes or clocks, give null', () => {
    expect(mergeCalibrations([probe(5, 12, 6, 2), null, probe(6, 13, 7, 1)])).toEqual({ probe: 1, clock: 'thread', arithmeticMs: [5, 5, 6], memoryMs: [12, 12, 13], helpersMs: [6, 6, 7] })
    expect(mergeCalibrations([])).toBeNull()
    expect(mergeCalibrations([probe(5, 12, 6), { ...probe(5, 12, 6), clock: 'process' }])).toBeNull()
  })

  test('read back: valid, or why it cannot be used (never a baseline error)', () => {
    expect(readCalibration(JSON.parse(JSON.stringify(AT_BASELINE)))).toEqual(AT_BASELINE)
    expect(readCalibration([])).toEqual({ invalid: 'its "calibration" is not an object' })
    expect(readCalibration({ ...AT_BASELINE, probe: 'one' })).toEqual({ invalid: 'its calibration has no probe version' })
    expect(readCalibration({ ...AT_BASELINE, clock: 'wall' })).toEqual({ invalid: `its calibration's clock is "wall", not "thread" or "process"` })
    expect(readCalibration({ ...AT_BASELINE, memoryMs: [] })).toEqual({ invalid: "its calibration's memoryMs is not a non-empty array of milliseconds ≥ 0" })
    expect(readCalibration({ ...AT_BASELINE, helpersMs: [1, -2] })).toEqual({ invalid: "its calibration's helpersMs is not an array of milliseconds ≥ 0" })
  })
})

describe('what the output says', () => {
  const sentence = (m: LoadModel, ups: number[] = []) => loadSentence(m, ups.map((up) => ({ factor: up, regress: up, improve: 1, capped: false, basis: 'share' as const })))

  test('once per output: what the probe measured and what the gate did with it', () => {
    expect(sentence(model(1, 1.31), [1.01, 1.38])).toBe(
      "load: machine 1.31x slower in memory work than at the baseline (calibration probe: arithmetic 1.00x, memory 1.31x): baseline figures scaled up for regressions 1.01x to 1.38x per test, by its share of work on V8's background threads",
    )
    expect(sentence(model(1.2, 1.2), [1.2])).toBe('load: machine 1.20x slower than at the baseline (calibration probe: arithmetic 1.20x, memory 1.20x): baseline figures scaled up for regressions by 1.20x')
    expect(sentence(model(1, 1.31), [1])).toMatch(/: figures compared as they are: no test leans on what slowed down$/)
    expect(sentence(model(0.8, 0.8), [0.8, 1])).toBe(
      'load: machine 1.25x faster than at the baseline (calibration probe: arithmetic 0.80x, memory 0.80x): baseline figures scaled down for regressions by 0.80x, on the share of each test that runs like the arithmetic part; improvements must beat the baseline scaled down',
    )
    expect(sentence(model(1.01, 0.98))).toBe('load: machine as fast as at the baseline (calibration probe: arithmetic 1.01x, memory 0.98x): figures compared as they are')
    expect(loadSentence(model(1, 3), [{ factor: 5, regress: 2, improve: 1, capped: true, basis: 'share' }])).toMatch(/; 1 test would need more than 2\.00x: too loaded to judge, inconclusive rather than regressed$/)
  })

  test('without a usable calibration, the reason and the ratchet command', () => {
    expect(sentence(loadModel(undefined, now(1, 1)))).toBe(
      "load: the baseline has no calibration (made by an older vitest-profiler), so figures are compared as they are, whatever the machine's load; to record one, ratchet the baseline: npx vitest-profile run --update-baseline",
    )
    expect(sentence(loadModel({ invalid: 'its calibration has no probe version' }, now(1, 1)))).toMatch(/^load: the baseline's calibration cannot be used \(its calibration has no probe version\), so .*--update-baseline$/)
    expect(sentence(loadModel({ ...AT_BASELINE, probe: 2 }, now(1, 1)))).toMatch(/^load: the baseline's calibration does not compare with this one \(probe 2 on the thread clock/)
    expect(sentence(loadModel(AT_BASELINE, { error: 'exit code 1' }))).toBe('load: the calibration probe failed (exit code 1), so figures are compared as they are')
  })

  test('a loaded run with re-runs under their own load (golden: text and markdown)', () => {
    const first = compare(baseline(), [fig(LOOP, 322), fig(INDEX, 207)], { tolerance: 0.1, load: model(1, 1.3) })
    const r = judgeReruns(first, [[fig(LOOP, 321), fig(INDEX, 205)], [fig(LOOP, 323), fig(INDEX, 211)], [fig(LOOP, 320), fig(INDEX, 204)]], { tolerance: 0.1, load: model(1.01, 1.42) })
    expect(r.tests.map((t) => [t.key, t.status])).toEqual([
      [LOOP, 'regressed'],
      [INDEX, 'ok'],
    ])
    golden('text-load.txt', `${formatGateText(r, { color: false, width: 120 })}\n\n${formatGateMarkdown(r)}`)
  })
})
