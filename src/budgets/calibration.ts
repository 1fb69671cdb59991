/**
 * The regression gate's load model: how much slower this machine is now than when the baseline was made, from a
 * short calibration probe run at both times (plugin/gate-calibration.ts), and what that means for each test.
 * Pure: probe records in, factors and sentences out.
 *
 * ## Why
 * A test's CPU is not load-free, and not equally so for every test. On bench/gate.mjs's 2-vCPU host, while
 * another process kept one core busy, a loop-bound test stayed within ±2% of its baseline, and tests that
 * allocate (Map/Set indexes, records sorted and round-tripped through JSON, word counts) measured 1.1-1.5x.
 * What sets them apart is V8's background threads: such a test's process spends another 25-50% of its CPU on
 * GC helpers and the optimizing compiler (its CPU outside the test's thread, `helpersMs`), the loop's under 1%;
 * `--single-threaded-gc` moved the first kind by 1.2-1.9x and the loop by 0%. With no spare core those threads
 * are late: marking phases last longer, the test's own thread finishes the GC's work and runs slower code for
 * longer. So the slowdown a test sees depends on how much it leans on them, not only on the machine.
 *
 * ## The probe (`Calibration`): two parts, several repetitions, main-thread CPU
 * - arithmetic: an integer and float loop that allocates nothing: the core's own speed (its clock, a sibling's
 *   contention for its units);
 * - memory: hash tables of fresh strings and objects over a live heap, several MB of them: cache and memory
 *   traffic past a core's own cache, allocation, GC with V8's helper threads, whose CPU meanwhile is kept too
 *   (`helpersMs`).
 *
 * ## The model, per test
 *
 *     a   = median arithmetic now / at the baseline          m = median memory now / at the baseline
 *     s_p = the probe's background share at the baseline: median helpers / median memory
 *     s_t = the test's own: median of its baseline runs' (helpersMs − boundMs) / median cpuMs
 *     o   = the share of its CPU in the workers and processes it started: median workersMs / median cpuMs
 *     own = a + (m − a) · min(4, s_t / s_p)
 *     factor_t = (1 − o) · own + o · max(a, m)     (for improvements: the same with min(a, m))
 *
 * All of a test's CPU moves with the core (a); what a loaded machine adds beyond that comes with the work it
 * leaves to V8's background threads, so the memory part's extra slowdown applies in proportion to how much of
 * that the test had at the baseline, measured against the probe's own. A loop (s_t ≈ 0) is scaled by a alone,
 * a test like the probe by m, one that leans harder on the helpers by more (the weight capped at 4: beyond, the
 * share says more about the figures' noise than about the test; and never below the faster of the two parts).
 * The CPU of the workers and processes a test started is bounded by the two parts instead: how much of it
 * leans on memory is not measured (a child's helpers are in its own figure), and a forked Node child (mostly
 * Node's start) moved with the memory part, where a share of 0 would have scaled it by a alone.
 * The proportion is a model, not a law: on the bench a Map/Set test over 100,000 keys moved by up to 2.5x with
 * nothing else running (87-244 ms in a bare node process: the host's shared cache), more than its share says;
 * the probe's memory part has a working set of that size since probe version 2, so that it sees such spells.
 * A baseline run without `helpersMs` (a threads pool, where a process holds other tests too; a baseline of an
 * older vitest-profiler) has no s_t: such a test is scaled by max(a, m) for regressions and min(a, m) for
 * improvements, the bound the probe gives.
 *
 * Medians, not minima: a single reading that went wrong (a clock read around a preemption) must not become the
 * reference (the fastest of a baseline's 16 arithmetic repetitions once read 3.2 ms of 5.4, and every gate run
 * then looked 1.7x slower). A test's helpersMs carries
 * its thread clock's error (the run's bound, 8 ms on Node 20's schedstat): only what is beyond it counts. A
 * component within its noise of 1 counts as 1 (the probe's own spread on one machine: ±2% for arithmetic, up
 * to ±5% for memory at the median of its repetitions): noise must not loosen the gate.
 *
 * ## What a factor changes (gate.ts thresholdsOf)
 * - Regressions are judged against the baseline × `regress`: the factor when the machine is slower (up to the
 *   cap). When it is faster, only the arithmetic part may tighten them, and only on the test's share that does
 *   not lean on background threads: regress = max(factor, (1 − w)·a + w) with w = (1 − o)·min(1, s_t / s_p) + o
 *   (w = 1 when the share is unknown). The arithmetic part tracks a loop-bound test to about 1% (bench: 0.93x and 0.92x
 *   when a baseline had been made on a loaded machine), the memory part is far noisier (±30% from one run to
 *   the next): it loosens, never tightens. Without tightening, that baseline made every later run look 8%
 *   faster, and a 20% raise of the loop measured +6% and was missed in 20 of 20 runs.
 * - Improvements are judged against the baseline × `improve` = min(1, factor): a speed-up the faster machine
 *   explains is not the code's (its ratchet would fail on the slower machine), and a slower machine never
 *   invents one.
 * - A factor over CALIBRATION_CAP (2): the machine is too loaded to judge that test; a figure over its
 *   thresholds (scaled by the cap) is inconclusive, not regressed.
 */
import type { BaselineRun } from './baseline.js'

/**
 * The probe's workload version: figures of another version do not compare (bump it when the probe changes).
 * 2: the memory part's tables grew from 25,000 to 100,000 keys (gate-calibration.ts says why).
 */
export const PROBE_VERSION = 2
/** Above this factor the gate does not judge a test: the machine is too loaded (a breach is inconclusive). */
export const CALIBRATION_CAP = 2
/** Within these of 1, a probe ratio is its own noise (see the model above). */
export const ARITHMETIC_NOISE = 0.03
export const MEMORY_NOISE = 0.05
/** s_t / s_p is capped here; a probe share under MIN_PROBE_SHARE is too small to divide by. */
export const MAX_WEIGHT = 4
export const MIN_PROBE_SHARE = 0.05

export type CalibrationClock = 'thread' | 'process'

/** The probe's figures, from one or more probes (their repetitions pooled), in ms rounded to 0.01. */
export interface Calibration {
  /** PROBE_VERSION of the probe that measured them. */
  probe: number
  /**
   * 'thread': the probe process's main-thread CPU (process.threadCpuUsage, or /proc/thread-self/schedstat read
   * at its scheduler ticks); 'process': process.cpuUsage, the whole process (no helpersMs then).
   */
  clock: CalibrationClock
  arithmeticMs: number[]
  memoryMs: number[]
  /** The probe process's CPU outside its main thread during each memory repetition; [] with the 'process' clock. */
  helpersMs: number[]
}

/** The baseline's calibration as read: a record, or why it cannot be used (the gate then compares as it is). */
export type CalibrationField = Calibration | { invalid: string }

export const isCalibration = (c: CalibrationField | null | undefined): c is Calibration => !!c && !('invalid' in c)

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const round2 = (ms: number): number => Math.round(ms * 100) / 100 || 0

/**
 * Several probes' repetitions as one record, rounded to 0.01 ms as the baseline writes them (null when none, or
 * when they differ in probe or clock).
 */
export function mergeCalibrations(list: readonly (Calibration | null | undefined)[]): Calibration | null {
  const cs = list.filter((c): c is Calibration => !!c)
  const first = cs[0]
  if (!first || cs.some((c) => c.probe !== first.probe || c.clock !== first.clock)) return null
  const pool = (pick: (c: Calibration) => number[]) => cs.flatMap(pick).map(round2)
  return { probe: first.probe, clock: first.clock, arithmeticMs: pool((c) => c.arithmeticMs), memoryMs: pool((c) => c.memoryMs), helpersMs: pool((c) => c.helpersMs) }
}

// ---------------------------------------------------------------------------------------------------------
// In the baseline file: `"calibration": { ... }` after "machine", one field per line, stable.

const j = JSON.stringify
const list = (xs: readonly number[]) => `[${xs.map((x) => j(round2(x))).join(', ')}]`

/** The section's lines (2-space indented, no trailing comma): what baseline.ts writes. */
export function calibrationLines(c: Calibration): string[] {
  return [
    '  "calibration": {',
    `    "probe": ${j(c.probe)},`,
    `    "clock": ${j(c.clock)},`,
    `    "arithmeticMs": ${list(c.arithmeticMs)},`,
    `    "memoryMs": ${list(c.memoryMs)},`,
    `    "helpersMs": ${list(c.helpersMs)}`,
    '  }',
  ]
}

/**
 * The section as read. Never an error of the baseline: a calibration that cannot be used leaves the gate as it
 * was before calibrations existed, and says why once (`loadModel`).
 */
export function readCalibration(v: unknown): CalibrationField {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { invalid: 'its "calibration" is not an object' }
  const o = v as Record<string, unknown>
  if (typeof o.probe !== 'number' || !Number.isSafeInteger(o.probe) || o.probe < 1) return { invalid: 'its calibration has no probe version' }
  if (o.clock !== 'thread' && o.clock !== 'process') return { invalid: `its calibration's clock is ${j(o.clock) ?? 'missing'}, not "thread" or "process"` }
  const nums = (name: string, nonEmpty: boolean): number[] | string => {
    const xs = o[name]
    if (!Array.isArray(xs) || (nonEmpty && xs.length === 0) || !xs.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
      return `its calibration's ${name} is not a${nonEmpty ? ' non-empty' : 'n'} array of milliseconds ≥ 0`
    }
    return xs as number[]
  }
  const arithmeticMs = nums('arithmeticMs', true)
  const memoryMs = nums('memoryMs', true)
  const helpersMs = nums('helpersMs', false)
  for (const x of [arithmeticMs, memoryMs, helpersMs]) if (typeof x === 'string') return { invalid: x }
  return { probe: o.probe, clock: o.clock, arithmeticMs: arithmeticMs as number[], memoryMs: memoryMs as number[], helpersMs: helpersMs as number[] }
}

// ---------------------------------------------------------------------------------------------------------
// The model

export type LoadStatus = 'scaled' | 'steady' | 'none' | 'invalid' | 'incomparable' | 'unavailable'

export interface LoadModel {
  /**
   * scaled: a probe ratio beyond its noise (slower or faster); steady: both within it; none: the baseline has no
   * calibration; invalid: it has one that cannot be read; incomparable: another probe version or clock;
   * unavailable: the probe failed in this run. Only scaled changes a verdict.
   */
  status: LoadStatus
  /** Probe ratios now / baseline (medians); null unless both were measured and compare. */
  arithmetic: number | null
  memory: number | null
  /** s_p: the probe's helpers / memory at the baseline; null without helpers or when too small to use. */
  probeShare: number | null
  /** Why, for the statuses without ratios ('made by an older vitest-profiler', the probe's error). */
  detail: string | null
}

const unmeasured = (status: LoadStatus, detail: string | null): LoadModel => ({ status, arithmetic: null, memory: null, probeShare: null, detail })

/** A probe ratio within its noise of 1 is 1. */
const band = (ratio: number, noise: number) => (Math.abs(ratio - 1) <= noise ? 1 : ratio)

/**
 * The model of one run's figures: the baseline's calibration against this run's probe (its repetitions before
 * and after the tests, pooled), or an error message when the probe failed.
 */
export function loadModel(baseline: CalibrationField | undefined, now: Calibration | { error: string } | null): LoadModel {
  if (!baseline) return unmeasured('none', null)
  if ('invalid' in baseline) return unmeasured('invalid', baseline.invalid)
  if (!now) return unmeasured('unavailable', 'no probe ran')
  if ('error' in now) return unmeasured('unavailable', now.error)
  if (baseline.probe !== now.probe || baseline.clock !== now.clock) {
    return unmeasured('incomparable', `probe ${baseline.probe} on the ${baseline.clock} clock in the baseline, probe ${now.probe} on the ${now.clock} clock here`)
  }
  const ratio = (a: number[], b: number[]) => {
    const r = median(a) / median(b)
    return Number.isFinite(r) && r > 0 ? r : null
  }
  const arithmetic = ratio(now.arithmeticMs, baseline.arithmeticMs)
  const memory = ratio(now.memoryMs, baseline.memoryMs)
  if (arithmetic === null || memory === null) return unmeasured('unavailable', 'the probe measured nothing')
  const share = baseline.helpersMs.length > 0 ? median(baseline.helpersMs) / median(baseline.memoryMs) : Number.NaN
  const steady = band(arithmetic, ARITHMETIC_NOISE) === 1 && band(memory, MEMORY_NOISE) === 1
  return { status: steady ? 'steady' : 'scaled', arithmetic, memory, probeShare: Number.isFinite(share) && share >= MIN_PROBE_SHARE ? share : null, detail: null }
}

export interface TestLoad {
  /** The test's factor (the model above), before the clamps below. */
  factor: number
  /**
   * What the regression thresholds are scaled by: the factor, at most CALIBRATION_CAP; under 1 only by the
   * arithmetic part, on the test's share that does not lean on background threads (see "What a factor changes").
   */
  regress: number
  /** What the improvement thresholds are scaled by: min(1, factor). */
  improve: number
  /** factor > CALIBRATION_CAP: too loaded to judge (a breach is inconclusive). */
  capped: boolean
  /** share: from the test's background share; bound: no share known, max/min of the two ratios. */
  basis: 'share' | 'bound'
}

/** One test's scaling under `model`, from its baseline runs; null when the model does not scale. */
export function testLoad(model: LoadModel | null | undefined, runs: readonly BaselineRun[]): TestLoad | null {
  if (!model || model.status !== 'scaled' || model.arithmetic === null || model.memory === null) return null
  const a = band(model.arithmetic, ARITHMETIC_NOISE)
  const m = band(model.memory, MEMORY_NOISE)
  const cpu = median(runs.map((r) => r.cpuMs))
  const known = runs.length > 0 && runs.every((r) => r.helpersMs !== undefined) && model.probeShare !== null && cpu > 0
  let upFactor: number
  let downFactor: number
  // How much of the test is like the memory part (1: all of it, or unknown): never tightened below 1.
  let memoryLike = 1
  if (known) {
    const helpers = median(runs.map((r) => Math.max(0, r.helpersMs! - r.boundMs)))
    const weight = Math.min(MAX_WEIGHT, helpers / cpu / model.probeShare!)
    // The CPU of the workers and processes the test started: how much of it leans on memory nobody measured
    // (a child's helpers are inside its own figure), so that part is bounded by the two ratios, as a test with
    // no share at all. bench/gate.mjs: a forked child's 370 ms (mostly Node's start) moved with the memory part,
    // and with a share of 0 it was called 44% faster on a machine the probe said was 1.6x faster in memory work.
    const other = Math.min(1, Math.max(0, median(runs.map((r) => r.workersMs)) / cpu))
    // Extrapolated past the probe (weight > 1) only where the memory part is the slower one: no test is put
    // below the faster of the two parts.
    const own = Math.max(Math.min(a, m), a + (m - a) * weight)
    upFactor = (1 - other) * own + other * Math.max(a, m)
    downFactor = (1 - other) * own + other * Math.min(a, m)
    memoryLike = (1 - other) * Math.min(1, weight) + other
  } else {
    upFactor = Math.max(a, m)
    downFactor = Math.min(a, m)
  }
  // A faster core tightens the regression thresholds of the test's arithmetic-like share alone.
  const tightest = (1 - memoryLike) * Math.min(1, a) + memoryLike
  return {
    factor: upFactor,
    regress: Math.min(CALIBRATION_CAP, upFactor >= 1 ? upFactor : Math.max(upFactor, tightest)),
    improve: Math.min(1, Math.max(0, downFactor)),
    capped: upFactor > CALIBRATION_CAP,
    basis: known ? 'share' : 'bound',
  }
}
