/**
 * The regression gate: this run's CPU per test against the baseline's (baseline.ts), then, for the tests that
 * breached, against the median of their re-runs. Pure: figures in, a GateResult out (everything the renderers of
 * gate-report.ts need); running the re-runs, reading the baseline and exiting are the caller's.
 *
 * ## The decision (per test; CPU only: wall time moves with the machine's load, CPU much less)
 *
 * From the baseline's runs r₁..rₖ (cpuMs, each with its bound bᵢ): the median m, their range w = max(rᵢ) − min(rᵢ),
 * and the highest and lowest the baseline could have been, high = max(rᵢ + bᵢ), low = min(rᵢ − bᵢ). From this
 * run: the figure c with its bound b, i.e. somewhere in [c − b, c + b]. With the test's tolerance t (relative)
 * and the floor f (absolute):
 *
 *     regress above  R = max( m·(1 + t),  m + f,  max(high, m + w) )
 *     improve below  I = min( m·(1 − t),  m − f,  min(low, m − w) )
 *
 *     c − b > R             → regressed    (even the lowest this run could have been is past all three)
 *     c + b > R ≥ c − b     → inconclusive (its bound straddles R: a warning, never a failure, and re-run)
 *     c + b < I             → improved     (reported, never failing, with the ratchet command)
 *     otherwise             → ok
 *
 * Why three terms, all of which a regression must pass:
 * - the tolerance (`baseline.tolerance`, default 10%; 25% when compare() is called without options) is the
 *   user's statement of what matters, scaled to the test;
 * - the floor (default 20 ms) keeps micro-tests quiet: a 2 ms test that takes 3 ms is +50% of nothing, and
 *   scheduler jitter, a GC or a JIT tier-up is worth several ms on any test;
 * - the spread is the test's own measured noise: a test whose baseline runs spread over 300..360 ms showed that
 *   360 ms happens on an unchanged tree, so 370 ms is not evidence of a change, whatever the tolerance says;
 *   and that identical runs differ by 60 ms, so a median 60 ms above its own is not either (m + w: with 3 runs
 *   the range is about 1.7 standard deviations of a run). bench/gate.mjs: a Map/Set test whose baseline runs
 *   were 144, 202 and 229 ms (the host moves it) re-ran at 230, 269 and 255 ms on the unchanged tree, over its
 *   highest run but not over m + w = 287 ms. A one-run baseline has no spread and falls back on the first two
 *   terms (and its bound).
 * The bound is the meter's error bound (clock resolution, workers read on a timer), as budgets use it
 * (evaluate.ts): a figure never fails on what its own measurement cannot tell apart.
 *
 * Improvements are symmetric, so that the ratchet is suggested only for a gain that would itself have been a
 * regression the other way.
 *
 * ## Re-runs
 *
 * A first-run breach on a shared CI runner is often a neighbour's load. `breaching()` names the tests to re-run
 * (regressed and inconclusive); `judgeReruns()` judges each of them again on the MEDIAN of its re-runs alone (the
 * first run is the suspect figure: it does not vote), against the same thresholds, and keeps what each re-run
 * measured for the output. The median of 3 needs 2 of 3 re-runs to be slow: one noisy re-run cannot fail the
 * gate, and one lucky one cannot make a real regression ok. The re-runs' own spread counts as the baseline's
 * does: re-runs that differ from each other by as much as the median rose (300, 400 and 500 ms against 300)
 * make the verdict inconclusive, a warning that does not fail the run; the re-runs of a regression in a
 * steady test agree (bench/gate.mjs: +20% re-ran within 7-15 ms of each other, 45 ms over its baseline).
 *
 * ## Load: with a load model (`GateOptions.load`; calibration.ts), m and high in R are scaled by the test's
 * `regress` factor, m and low in I by its `improve` one; over the cap, a regression is inconclusive.
 */
import { machineDifference, type Baseline, type BaselineRun, type Machine, type TestFigures, type TopLine } from './baseline.js'
import { formatMs } from './parse.js'
import { median, testLoad, type LoadModel, type TestLoad } from './calibration.js'
import { diffLines, type LineDiff } from './gate-lines.js'

export { median }
export { diffLines, PROFILE_BOTH_HINT, PROFILE_THIS_RUN_HINT, type LineDiff, type LineSide } from './gate-lines.js'

/**
 * The exit code of a run whose gate found a regression, and of nothing else: vitest exits 1 for failed tests
 * (and errors), so a CI step can tell "slower" from "broken" (`if [ $? -eq 3 ]`), e.g. to allow a regression
 * with a label while never allowing a failure. When tests failed too, the run exits 1: a broken suite is the
 * bigger news, and a failed test's CPU says little. Improvements, new, gone and inconclusive tests exit 0.
 */
export const GATE_EXIT_CODE = 3

/** For callers that give none; the plugin always passes its own option (`baseline.tolerance`, default 10%: gate-options.ts). */
export const DEFAULT_TOLERANCE = 0.25
export const DEFAULT_FLOOR_MS = 20

export type GateStatus = 'ok' | 'regressed' | 'improved' | 'new' | 'gone' | 'inconclusive'
export const GATE_STATUSES: readonly GateStatus[] = ['regressed', 'inconclusive', 'improved', 'new', 'gone', 'ok']

export interface GateOptions {
  /** Relative: 0.25 = the test may take up to 25% more CPU than its baseline median. */
  tolerance: number
  /** Absolute (ms): a change smaller than this is never a regression nor an improvement. */
  floorMs: number
  /** Per test key: its own tolerance (`meta.budget.regression`), over `tolerance`. */
  perTest?: Record<string, number>
  /** This run's machine: when given, a baseline made on another one gives `machineWarning`. */
  machine?: Machine
  /** The load model of the figures judged (calibration.ts loadModel); none: compared as they are. */
  load?: LoadModel | null
}

/** One measurement of a test (ms): a baseline run, this run's figure, or one re-run. */
export type Figure = BaselineRun

export interface BaselineSpread {
  /** The baseline's runs, in their order. */
  runs: Figure[]
  medianMs: number
  minMs: number
  maxMs: number
  /** max(cpuMs + boundMs) over the runs: the highest the baseline could have been. */
  highMs: number
  /** min(cpuMs − boundMs) over the runs, at least 0. */
  lowMs: number
  /** The baseline's top lines, when it was profiled. */
  topLines: TopLine[] | null
}

/** Which term set a threshold (see the decision above). */
export type ThresholdTerm = 'tolerance' | 'floor' | 'spread'

export interface Thresholds {
  regressAboveMs: number
  regressBy: ThresholdTerm
  /** 0 when no figure can be an improvement (a tolerance of 100% or more, a median under the floor). */
  improveBelowMs: number
  improveBy: ThresholdTerm
}

export interface GateTest {
  key: string
  file: string
  name: string
  status: GateStatus
  /** The tolerance this test was judged with (its own, or the global one). */
  tolerance: number
  floorMs: number
  /** null for a new test. */
  baseline: BaselineSpread | null
  /** The figure judged: this run's, or the median of the re-runs. null for a gone test. */
  current: Figure | null
  /** This run's own figure (differs from `current` when re-run). */
  first: Figure | null
  /** What each re-run measured, in order; [] when not re-run. */
  reruns: Figure[]
  /** Re-runs in which the test was not measured (it failed, or was skipped). */
  rerunsMissing: number
  /** current − baseline median (ms); null for new and gone tests. */
  deltaMs: number | null
  /** deltaMs / baseline median (0.37 = +37%); null when there is no median or it is 0. */
  deltaRatio: number | null
  thresholds: Thresholds | null
  /** The load scaling its thresholds were computed with; null when none applied. */
  load: TestLoad | null
  /** One sentence: why this status. */
  reason: string
  /** The per-line diff, gainers first; null unless both sides have top lines. */
  lines: LineDiff[] | null
  /** When `lines` is null: the command that would give them. */
  linesHint: string | null
  /** This run's top lines (of the judged figure), for the annotation's location. */
  topLines: TopLine[] | null
  /** A new test that is probably a gone one renamed (the only new and the only gone test of one file). */
  renamedFrom?: string
  /** A gone test that is probably renamed into this new one. */
  renamedTo?: string
}

export interface GateResult {
  options: { tolerance: number; floorMs: number; perTest: Record<string, number> }
  /** Sorted by key. */
  tests: GateTest[]
  counts: Record<GateStatus, number>
  /** Set by judgeReruns: how many times which tests were re-run. */
  rerun: { times: number; keys: string[] } | null
  machineWarning: string | null
  /** The load models of this run and of its re-runs; null when the gate had none (a caller without a probe). */
  calibration: { run: LoadModel; reruns: LoadModel | null } | null
  exitCode: 0 | typeof GATE_EXIT_CODE
}

// ---------------------------------------------------------------------------------------------------------

/**
 * The median figure of several measurements: the middle one's for an odd count; for an even count the mean of
 * the middle two (field by field) with the larger of their bounds.
 */
export function medianFigure(figures: readonly Figure[]): Figure {
  const s = [...figures].sort((a, b) => a.cpuMs - b.cpuMs)
  const mid = s.length >> 1
  if (s.length % 2) return { ...s[mid]! }
  const a = s[mid - 1]!
  const b = s[mid]!
  const mean = (x: number, y: number) => (x + y) / 2
  return {
    cpuMs: mean(a.cpuMs, b.cpuMs),
    mainMs: mean(a.mainMs, b.mainMs),
    workersMs: mean(a.workersMs, b.workersMs),
    wallMs: mean(a.wallMs, b.wallMs),
    boundMs: Math.max(a.boundMs, b.boundMs),
  }
}

export function spreadOf(runs: readonly Figure[], topLines?: readonly TopLine[]): BaselineSpread {
  const cpu = runs.map((r) => r.cpuMs)
  return {
    runs: runs.map((r) => ({ ...r })),
    medianMs: median(cpu),
    minMs: Math.min(...cpu),
    maxMs: Math.max(...cpu),
    highMs: Math.max(...runs.map((r) => r.cpuMs + r.boundMs)),
    lowMs: Math.max(0, Math.min(...runs.map((r) => r.cpuMs - r.boundMs))),
    topLines: topLines ? [...topLines] : null,
  }
}

/** The range of the baseline's runs (ms): how far apart identical runs of the test were. */
const rangeOf = (spread: BaselineSpread) => spread.maxMs - spread.minMs

export function thresholdsOf(spread: BaselineSpread, tolerance: number, floorMs: number, load?: TestLoad | null): Thresholds {
  const mu = spread.medianMs * (load?.regress ?? 1)
  const md = spread.medianMs * (load?.improve ?? 1)
  const up: [ThresholdTerm, number][] = [
    ['tolerance', mu * (1 + tolerance)],
    ['floor', mu + floorMs],
    ['spread', Math.max(spread.highMs, spread.medianMs + rangeOf(spread)) * (load?.regress ?? 1)],
  ]
  const down: [ThresholdTerm, number][] = [
    ['tolerance', md * (1 - tolerance)],
    ['floor', md - floorMs],
    ['spread', Math.max(0, Math.min(spread.lowMs, spread.medianMs - rangeOf(spread))) * (load?.improve ?? 1)],
  ]
  // Ties go to the earlier term: the tolerance is what the user set, so it is what the message names.
  const [regressBy, regressAboveMs] = up.reduce((best, t) => (t[1] > best[1] ? t : best))
  const [improveBy, improveBelow] = down.reduce((best, t) => (t[1] < best[1] ? t : best))
  return { regressAboveMs, regressBy, improveBelowMs: Math.max(0, improveBelow), improveBy }
}

/** A tolerance as the user wrote it: '25%', '12.5%'. */
export const formatTolerance = (ratio: number) => `${Number((ratio * 100).toFixed(1))}%`
/** A measured change: one decimal under 10%, whole percents above ('+5.3%', '+37%'). */
export const formatPercent = (ratio: number) => {
  const p = ratio * 100
  return `${p.toFixed(Math.abs(p) < 10 && p % 1 !== 0 ? 1 : 0)}%`
}

function termText(term: ThresholdTerm, spread: BaselineSpread, tolerance: number, floorMs: number, up: boolean, scale = 1): string {
  const scaled = scale !== 1 ? ` × ${scale.toFixed(scale.toFixed(2) === '1.00' ? 3 : 2)} for load` : ''
  if (term === 'tolerance') return `the baseline median ${formatMs(spread.medianMs)}${scaled} ${up ? '+' : '−'} ${formatTolerance(tolerance)}`
  if (term === 'floor') return `the baseline median ${formatMs(spread.medianMs)}${scaled} ${up ? '+' : '−'} the ${formatMs(floorMs)} floor`
  const range = rangeOf(spread)
  if (up && spread.medianMs + range > spread.highMs) return `the baseline median ${formatMs(spread.medianMs)}${scaled} + the range of its runs, ${formatMs(range)}`
  if (!up && spread.medianMs - range < spread.lowMs) return `the baseline median ${formatMs(spread.medianMs)}${scaled} − the range of its runs, ${formatMs(range)}`
  return up ? `the baseline's highest run, ${formatMs(spread.maxMs)},${scaled} with its bound` : `the baseline's lowest run, ${formatMs(spread.minMs)},${scaled} with its bound`
}

/** The decision above, for one test: a measured figure against its baseline's spread. */
export function decide(
  spread: BaselineSpread,
  figure: Figure,
  tolerance: number,
  floorMs: number,
  load?: TestLoad | null,
): { status: 'ok' | 'regressed' | 'improved' | 'inconclusive'; thresholds: Thresholds; reason: string } {
  const th = thresholdsOf(spread, tolerance, floorMs, load)
  const c = figure.cpuMs
  const b = figure.boundMs
  if (!Number.isFinite(c) || !Number.isFinite(b)) {
    return { status: 'inconclusive', thresholds: th, reason: `this run's CPU figure is not a number (${c} ms ± ${b} ms)` }
  }
  const upText = termText(th.regressBy, spread, tolerance, floorMs, true, load?.regress)
  const bound = b > 0 ? ` ± ${formatMs(b)}` : ''
  if (c - b > th.regressAboveMs) {
    const over = `CPU ${formatMs(c)}${bound} is over ${formatMs(th.regressAboveMs)} (${upText})`
    if (load?.capped) return { status: 'inconclusive', thresholds: th, reason: `too loaded to judge: the machine would excuse ×${load.factor.toFixed(2)}, over the ×${load.regress.toFixed(2)} cap; ${over}` }
    return { status: 'regressed', thresholds: th, reason: over }
  }
  if (c + b > th.regressAboveMs) {
    return { status: 'inconclusive', thresholds: th, reason: `CPU ${formatMs(c)}${bound} straddles ${formatMs(th.regressAboveMs)} (${upText})` }
  }
  if (c + b < th.improveBelowMs) {
    const downText = termText(th.improveBy, spread, tolerance, floorMs, false, load?.improve)
    return { status: 'improved', thresholds: th, reason: `CPU ${formatMs(c)}${bound} is under ${formatMs(th.improveBelowMs)} (${downText})` }
  }
  return { status: 'ok', thresholds: th, reason: `CPU ${formatMs(c)}${bound} is within ${formatMs(th.improveBelowMs)}..${formatMs(th.regressAboveMs)}` }
}

function figureOf(t: TestFigures): Figure {
  const f: Figure = { cpuMs: t.cpuMs, mainMs: t.mainMs, workersMs: t.workersMs, wallMs: t.wallMs, boundMs: t.boundMs }
  if (t.helpersMs !== undefined) f.helpersMs = t.helpersMs
  if (t.samples !== undefined) f.samples = t.samples
  return f
}

function resolve(options: Partial<GateOptions> | undefined): GateResult['options'] {
  return {
    tolerance: options?.tolerance ?? DEFAULT_TOLERANCE,
    floorMs: options?.floorMs ?? DEFAULT_FLOOR_MS,
    perTest: { ...(options?.perTest ?? {}) },
  }
}

/** Judges (or re-judges) a test that has both a baseline and a figure; fills status, deltas, reason. */
function judge(test: GateTest, load: LoadModel | null | undefined): void {
  const spread = test.baseline!
  const figure = test.current!
  test.load = testLoad(load, spread.runs)
  const d = decide(spread, figure, test.tolerance, test.floorMs, test.load)
  test.status = d.status
  test.thresholds = d.thresholds
  test.reason = d.reason
  test.deltaMs = figure.cpuMs - spread.medianMs
  test.deltaRatio = spread.medianMs > 0 ? test.deltaMs / spread.medianMs : null
}

export function finish(result: Omit<GateResult, 'counts' | 'exitCode'>): GateResult {
  const counts = Object.fromEntries(GATE_STATUSES.map((s) => [s, 0])) as Record<GateStatus, number>
  for (const t of result.tests) counts[t.status]++
  return { ...result, counts, exitCode: counts.regressed > 0 ? GATE_EXIT_CODE : 0 }
}

/**
 * This run (one figure per test; a key given twice counts by its last entry, as a retried test counts by its
 * last attempt) against the baseline. Tests only in this run are new, tests only in the baseline are gone;
 * neither fails. Missing options take DEFAULT_TOLERANCE and DEFAULT_FLOOR_MS.
 */
export function compare(baseline: Baseline, current: readonly TestFigures[], options?: Partial<GateOptions>): GateResult {
  const opts = resolve(options)
  const now = new Map<string, TestFigures>()
  for (const t of current) now.set(t.key, t)
  const keys = [...new Set([...Object.keys(baseline.tests), ...now.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const tests: GateTest[] = keys.map((key) => {
    const base = baseline.tests[key]
    const cur = now.get(key)
    const figure = cur ? figureOf(cur) : null
    const { lines, hint } = diffLines(base?.topLines, cur?.topLines)
    const test: GateTest = {
      key,
      file: cur?.file ?? base!.file,
      name: cur?.name ?? base!.name,
      status: 'ok',
      tolerance: opts.perTest[key] ?? opts.tolerance,
      floorMs: opts.floorMs,
      baseline: base ? spreadOf(base.runs, base.topLines) : null,
      current: figure,
      first: figure,
      reruns: [],
      rerunsMissing: 0,
      deltaMs: null,
      deltaRatio: null,
      thresholds: null,
      load: null,
      reason: '',
      lines,
      linesHint: hint,
      topLines: cur?.topLines ? [...cur.topLines] : null,
    }
    if (!base) {
      test.status = 'new'
      test.reason = `not in the baseline; ${formatMs(figure!.cpuMs)} of CPU this run`
    } else if (!cur) {
      test.status = 'gone'
      test.reason = `in the baseline (median ${formatMs(test.baseline!.medianMs)}), not measured in this run`
    } else judge(test, options?.load)
    return test
  })
  pairRenames(tests)
  return finish({
    options: opts,
    tests,
    rerun: null,
    machineWarning: options?.machine ? machineDifference(baseline.machine, options.machine) : null,
    calibration: options?.load ? { run: options.load, reruns: null } : null,
  })
}

/** A file with exactly one new and one gone test: most likely one test renamed. Said, never assumed. */
function pairRenames(tests: GateTest[]): void {
  const byFile = new Map<string, { fresh: GateTest[]; gone: GateTest[] }>()
  for (const t of tests) {
    if (t.status !== 'new' && t.status !== 'gone') continue
    const e = byFile.get(t.file) ?? { fresh: [], gone: [] }
    ;(t.status === 'new' ? e.fresh : e.gone).push(t)
    byFile.set(t.file, e)
  }
  for (const { fresh, gone } of byFile.values()) {
    if (fresh.length !== 1 || gone.length !== 1) continue
    fresh[0]!.renamedFrom = gone[0]!.key
    gone[0]!.renamedTo = fresh[0]!.key
  }
}

/** The keys of the tests to re-run before failing: regressed ones, and inconclusive ones (re-runs settle them). */
export function breaching(result: GateResult): string[] {
  return result.tests.filter((t) => t.status === 'regressed' || t.status === 'inconclusive').map((t) => t.key)
}

/**
 * The breaching tests judged again on the median of their re-runs (`reruns[i]`: what re-run i measured, one
 * entry per re-run test; other tests in it are ignored). The thresholds are the first judgment's (each test's
 * tolerance and the floor), unless `options` gives others. A breaching test that no re-run measured is judged
 * on this run's figure (its first verdict, unless `options` changed) and says so. Without re-runs the result is returned as it is.
 * `options.load`: the re-runs' load model (the probe run around them), when this run had one; else this run's.
 */
export function judgeReruns(first: GateResult, reruns: readonly (readonly TestFigures[])[], options?: Partial<GateOptions>): GateResult {
  if (reruns.length === 0) return first
  const keys = new Set(breaching(first))
  const opts = options ? resolve({ ...first.options, ...options }) : first.options
  const load = first.calibration ? (options?.load ?? first.calibration.run) : null
  const perRun = reruns.map((run) => {
    const m = new Map<string, TestFigures>()
    for (const t of run) m.set(t.key, t)
    return m
  })
  const tests = first.tests.map((t): GateTest => {
    if (!keys.has(t.key)) return t
    const test: GateTest = { ...t, tolerance: options ? (opts.perTest[t.key] ?? opts.tolerance) : t.tolerance, floorMs: opts.floorMs }
    const measured = perRun.map((m) => m.get(t.key)).filter((f): f is TestFigures => f !== undefined)
    test.reruns = measured.map(figureOf)
    test.rerunsMissing = reruns.length - measured.length
    if (measured.length === 0) {
      // Nothing new to judge on: this run's figure stands (under the re-runs' options, if they changed), and
      // the load it was measured under.
      judge(test, first.calibration?.run)
      test.reason = `no re-run measured it, so this run's figure stands: ${test.reason}`
      return test
    }
    test.current = medianFigure(test.reruns)
    judge(test, load)
    test.reason = `median of ${measured.length} re-run${measured.length === 1 ? '' : 's'}: ${test.reason}`
    // The re-runs' own spread, as the baseline's (thresholdsOf): re-runs of one tree that differ by more than
    // the rise they show make that rise no evidence. bench/gate.mjs: a Map/Set test the host moves re-ran at
    // 262, 111 and 229 ms against a 190 ms baseline (+39 ms at the median, 151 ms between its re-runs).
    if (test.status === 'regressed' && measured.length >= 2) {
      const cpus = measured.map((f) => f.cpuMs)
      const range = Math.max(...cpus) - Math.min(...cpus)
      const rise = test.current.cpuMs - test.baseline!.medianMs * (test.load?.regress ?? 1)
      if (range >= rise) {
        test.status = 'inconclusive'
        test.reason = `${test.reason}; but its re-runs differ by ${formatMs(range)}, more than the ${formatMs(rise)} they rose: too noisy to judge`
      }
    }
    // The line diff follows the figure it explains: the lines of the median re-run when the re-runs were
    // profiled (the lower middle one for an even count); otherwise this run's stay.
    const middle = [...measured].sort((a, b) => a.cpuMs - b.cpuMs)[Math.floor((measured.length - 1) / 2)]!
    if (middle.topLines) {
      test.topLines = [...middle.topLines]
      const { lines, hint } = diffLines(t.baseline?.topLines ?? undefined, middle.topLines)
      test.lines = lines
      test.linesHint = hint
    }
    return test
  })
  const calibration = first.calibration ? { run: first.calibration.run, reruns: options?.load ?? null } : null
  return finish({ options: opts, tests, rerun: { times: reruns.length, keys: [...keys] }, machineWarning: first.machineWarning, calibration })
}
