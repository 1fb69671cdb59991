/**
 * The plugin's options: defaults, and validation that names what was wrong and what is accepted.
 */
import type { Budget } from '../budgets/types.js'
import { parseBudget } from '../budgets/parse.js'
import { DEFAULT_BASELINE, resolveBaselineOptions, type BaselineOptions, type ResolvedBaselineOptions } from './gate-options.js'

export interface ProfilerOptions {
  /**
   * Whether profiling (the sampler) runs. Default 'auto': on with `vitest-profile`, `vitest --mode profile`,
   * `vitest run -- --profile` or `VITEST_PROFILE=1`; off otherwise.
   */
  enabled?: boolean | 'auto'
  /** Where runs and reports go, relative to the vitest root. Default `.vitest-profile`. */
  outputDir?: string
  /**
   * Sampling interval in microseconds. Accepted: 50 to 100000. Default 2000 (500 samples/s per busy thread).
   * Below 2000 us the sampler's cost grows as 1/interval, and every profiled thread pays it, idle or not (V8
   * signals each one): on the bench (`npm run bench`, 3 profiled threads on 2 cores) 1000 us cost about 2 points
   * of wall (about 525 ms of CPU) more than 2000 us, and 500 us 4 more. Above it there is little left to save:
   * 4000 us measured no CPU saving over 2000 us (bench/perf-threads.mjs), only half the samples. So 2000 us;
   * `interval: 1000` buys twice the samples (tighter bounds on short tests) for those 2 points.
   */
  interval?: number
  /** A thread writes its samples to disk at least this often (ms). Bounds what a SIGKILL can lose. Default 1000. */
  flushInterval?: number
  /** How many past runs to keep in the output dir. Default 3. */
  keepRuns?: number
  /** Print the terminal report at the end of a profiled run. Default true. */
  summary?: boolean
  /** Hot lines listed per test in the terminal report. Default 5. */
  topLines?: number
  /** Below this many samples of its own a figure is printed as inconclusive, not as a share. Default 20. */
  minSamples?: number
  /** List library code (node_modules, node:internal) by file and line instead of grouping it by package. */
  expandLibraries?: boolean
  /**
   * Run `test.concurrent` tests of a file one at a time, so each test's window holds only its own work and
   * attribution is exact. Default false: concurrent windows overlap and their time is reported as shared.
   */
  serializeConcurrent?: boolean
  /**
   * The default budget of every test, below the budgets of tags, describes and the test's own `meta.budget`
   * (deep-merged: a test's `{ cpu }` keeps this `wall`). Checked when the plugin is created.
   */
  budget?: Budget
  /** The regression gate: a baseline of every test's CPU, compared on each run (see gate-options.ts). */
  baseline?: BaselineOptions
}

export interface ResolvedOptions {
  enabled: boolean | 'auto'
  outputDir: string
  interval: number
  flushInterval: number
  keepRuns: number
  summary: boolean
  topLines: number
  minSamples: number
  expandLibraries: boolean
  serializeConcurrent: boolean
  /** As given (validated): merged raw with the other levels' budgets before each test's budget is parsed. */
  budget: Budget | undefined
  baseline: ResolvedBaselineOptions
}

export const DEFAULT_OPTIONS: ResolvedOptions = {
  enabled: 'auto',
  outputDir: '.vitest-profile',
  interval: 2000,
  flushInterval: 1000,
  keepRuns: 3,
  summary: true,
  topLines: 5,
  minSamples: 20,
  expandLibraries: false,
  serializeConcurrent: false,
  budget: undefined,
  baseline: DEFAULT_BASELINE,
}

/**
 * A wrong option: a user's mistake, named by its message. Its stack would point into our code and vitest's
 * config loader, so it has none: vitest's "Startup Error" and our bin print the message alone.
 */
export class ProfilerOptionsError extends Error {
  override name = 'ProfilerOptionsError'
  constructor(message: string) {
    super(message)
    this.stack = `${this.name}: ${message}`
  }
}

type Check = (value: unknown) => string | null

const integerIn = (min: number, max: number, unit: string): Check => (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? null : `an integer from ${min} to ${max} (${unit})`

const CHECKS: Record<keyof ResolvedOptions, Check> = {
  enabled: (v) => (v === true || v === false || v === 'auto' ? null : "true, false or 'auto'"),
  outputDir: (v) => (typeof v === 'string' && v.trim() !== '' ? null : 'a non-empty path string'),
  interval: integerIn(50, 100_000, 'microseconds'),
  flushInterval: integerIn(50, 600_000, 'milliseconds'),
  keepRuns: integerIn(1, 1000, 'runs'),
  summary: (v) => (typeof v === 'boolean' ? null : 'true or false'),
  topLines: integerIn(1, 200, 'lines'),
  minSamples: integerIn(1, 100_000, 'samples'),
  expandLibraries: (v) => (typeof v === 'boolean' ? null : 'true or false'),
  serializeConcurrent: (v) => (typeof v === 'boolean' ? null : 'true or false'),
  // Checked by parseBudget below, whose messages name the exact key inside the budget.
  budget: () => null,
  baseline: () => null,
}

/** The options with one value each (no budget, no baseline): the ones that can be given as a bin flag. */
export type ScalarOption = Exclude<keyof ResolvedOptions, 'budget' | 'baseline'>
export const SCALAR_OPTIONS = Object.keys(CHECKS).filter((k) => k !== 'budget' && k !== 'baseline') as ScalarOption[]

/** What `key` accepts, as its error message says it ('an integer from 50 to 100000 (microseconds)'). */
export function acceptedValues(key: ScalarOption): string {
  return CHECKS[key](Symbol('none')) ?? ''
}

/** Null when `value` is good for `key`, else what it accepts. */
export function checkOption(key: ScalarOption, value: unknown): string | null {
  return CHECKS[key](value)
}

export function resolveOptions(input: unknown): ResolvedOptions {
  if (input === undefined) return { ...DEFAULT_OPTIONS }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ProfilerOptionsError(`vitest-profiler: options must be an object, got ${describeValue(input)}.`)
  }
  const accepted = Object.keys(CHECKS)
  const resolved: ResolvedOptions = { ...DEFAULT_OPTIONS }
  for (const [key, value] of Object.entries(input)) {
    if (!(key in CHECKS)) {
      throw new ProfilerOptionsError(
        `vitest-profiler: unknown option '${key}'. Accepted options: ${accepted.join(', ')}.`,
      )
    }
    if (value === undefined) continue
    if (key === 'budget') {
      // The option's path is the budget's own ('budget.cpu.main'), so parseBudget's messages fit as they are.
      const { errors } = parseBudget(value)
      if (errors.length) throw new ProfilerOptionsError(errors.map((e) => e.message).join('\n'))
      if (value === null) continue // no default budget, as parseBudget reads null
    }
    if (key === 'baseline') {
      const baseline = resolveBaselineOptions(value)
      if (typeof baseline === 'string') throw new ProfilerOptionsError(baseline)
      resolved.baseline = baseline
      continue
    }
    const problem = CHECKS[key as keyof ResolvedOptions](value)
    if (problem) {
      throw new ProfilerOptionsError(`vitest-profiler: option '${key}' must be ${problem}, got ${describeValue(value)}.`)
    }
    ;(resolved as unknown as Record<string, unknown>)[key] = value
  }
  return resolved
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? 'an array' : 'an object'
}
