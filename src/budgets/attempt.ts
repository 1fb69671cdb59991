/**
 * One test attempt's budget, from its task to its verdict, in the test's own thread: the effective budget
 * (inherit.ts), its validation (parse.ts), the meter's figures (agent/meter.ts) and the verdict
 * (evaluate.ts). What it returns goes into the task's meta (every reporter sees it) and, for a failure, is
 * thrown by the setup file's aroundEach after the test ran, so that vitest fails the test like an assertion.
 */
import { effectiveBudgetRaw, type TagDefinitionLike, type TaskLike } from './inherit.js'
import { checkLineExists, parseBudget, type NormalizedBudget } from './parse.js'
import { checkAttempt, formatBudgetMessage, overall, type Check, type MeasuredMs, type Verdict } from './evaluate.js'
import type { Measurement } from '../agent/meter.js'

/** What the plugin hands the setup file (JSON: it is written into the setup stub). */
export interface BudgetSetupOptions {
  /** Plugin option `budget`: every test's default budget. */
  budget?: unknown
  /** Plugin option `minSamples`: a line/function budget's default floor. */
  minSamples?: number
  /** Whether this run samples (line and function budgets are then judged after the run). */
  profiling: boolean
  /** Run `test.concurrent` tests one at a time (exact figures). */
  serializeConcurrent?: boolean
  /**
   * Profiling off: the run a test thread creates and starts sampling into when one of its tests has a line or
   * function budget (plugin/run-dir.ts PlannedRun; structurally typed here to keep this module pure).
   */
  lazyRun?: import("../spool/run-files.js").RunFiles
  /**
   * The regression gate is on (a baseline is compared or written): every test is metered, budget or not, and
   * its figures recorded (a record with `metered: true` and no limits).
   */
  meterAll?: boolean
}

/** The meta key of the verdicts (JSON only: vitest structured-clones meta into every reporter's results). */
export const BUDGET_META_KEY = 'profilerBudget'

export interface AttemptRecord {
  attempt: number
  verdict: Verdict | 'invalid'
  checks: Check[]
  /** Line and function budgets: judged from samples after the run (profiling on), else inconclusive. */
  pending: string[]
  /** Their limits, for the judgment after the run (present when `pending` is not empty). */
  limits?: {
    lines: NormalizedBudget['lines']
    functions: NormalizedBudget['functions']
    minSamples?: number
    strict: boolean
  }
  measured: MeasuredMs
  /** The window overlapped another test's (test.concurrent): the figures are shared, not this test's alone. */
  shared: boolean
  errors?: string[]
  /** No budget: metered for the regression gate only (not counted among the budgets). */
  metered?: true
  /** The test's own gate tolerance (`meta.budget.regression`, 0.25 = 25%). */
  regression?: number
}

export interface BudgetMeta {
  v: 1
  attempts: AttemptRecord[]
}

export class BudgetExceededError extends Error {
  override name = 'BudgetExceededError'
}

export class BudgetInputError extends Error {
  override name = 'BudgetInputError'
}

/** A test without a budget, metered for the regression gate. */
const METER_ONLY: NormalizedBudget = Object.freeze({ lines: [], functions: [], strict: false }) as NormalizedBudget

export type Plan = { budget: NormalizedBudget; errors: string[] } | { budget: null; errors: string[] }

/** The attempt's budget, or null when no budget applies (nothing to measure). */
export function planFor(task: TaskLike, options: BudgetSetupOptions, tags: TagDefinitionLike[] | undefined, root: string): Plan | null {
  let raw: unknown
  try {
    raw = effectiveBudgetRaw(task, { defaults: options.budget, tags })
  } catch (err) {
    return { budget: null, errors: [`vitest-profiler: budget could not be read: ${String(err)}`] }
  }
  if (raw === undefined || raw === null) return options.meterAll ? { budget: METER_ONLY, errors: [] } : null
  const { budget, errors } = parseBudget(raw)
  const messages = errors.map((e) => e.message)
  if (budget) {
    for (const line of budget.lines) {
      const missing = checkLineExists(line.key, root)
      if (missing) messages.push(missing)
    }
  }
  if (messages.length > 0 || !budget) return { budget: null, errors: messages }
  return { budget, errors: [] }
}

export function toMeasuredMs(m: Measurement): MeasuredMs {
  const ms = (us: number) => Math.round(us / 10) / 100
  const main = m.mainUs
  return {
    wall: ms(m.wallUs),
    main: ms(main),
    workers: ms(m.threadsUs + m.processesUs),
    threads: ms(m.threadsUs),
    processes: ms(m.processesUs),
    bound: ms(m.boundUs),
    threadCount: m.threads,
    processCount: m.processes,
    notes: m.notes,
    ...(m.helpersUs !== undefined ? { helpers: ms(m.helpersUs) } : {}),
  }
}

/**
 * The verdict of one attempt and the error to throw (null: nothing fails). `profileHint`: where the lines are
 * (profiling on), or the command that profiles just this test.
 */
export function judge(plan: Plan, measured: MeasuredMs, attempt: number, shared: boolean, hint: string): { record: AttemptRecord; error: Error | null } {
  if (!plan.budget) {
    const record: AttemptRecord = { attempt, verdict: 'invalid', checks: [], pending: [], measured, shared, errors: plan.errors }
    return { record, error: withoutStack(new BudgetInputError(plan.errors.join('\n'))) }
  }
  const checks = checkAttempt(plan.budget, measured)
  const pending = [...plan.budget.lines.map((l) => `lines.${l.key}`), ...plan.budget.functions.map((f) => `functions.${f.name}`)]
  const verdict = overall(checks.map((c) => c.verdict))
  const b = plan.budget
  const record: AttemptRecord = {
    attempt,
    verdict,
    checks,
    pending,
    measured,
    shared,
    ...(b === METER_ONLY ? { metered: true as const } : {}),
    ...(b.regression !== undefined ? { regression: b.regression } : {}),
    ...(pending.length > 0 ? { limits: { lines: b.lines, functions: b.functions, ...(b.minSamples !== undefined ? { minSamples: b.minSamples } : {}), strict: b.strict } } : {}),
  }
  if (verdict !== 'fail') return { record, error: null }
  let message = formatBudgetMessage(checks, measured, hint)
  if (shared) message += '\n  note: this test ran concurrently with others in its thread: the figures are those of the shared window'
  return { record, error: withoutStack(new BudgetExceededError(message)) }
}

/** Our own frames would be all vitest shows under the message (and its code frame would point into us). */
function withoutStack<E extends Error>(err: E): E {
  err.stack = `${err.name}: ${err.message}`
  return err
}

/** Appends an attempt's record to the task's meta. */
export function recordAttempt(meta: Record<string, unknown>, record: AttemptRecord): void {
  const existing = meta[BUDGET_META_KEY] as BudgetMeta | undefined
  const attempts = existing?.v === 1 ? existing.attempts.filter((a) => a.attempt !== record.attempt) : []
  meta[BUDGET_META_KEY] = { v: 1, attempts: [...attempts, record] } satisfies BudgetMeta
}

/**
 * The command that profiles just this test. vitest matches `-t` against the describe chain and the test's name
 * joined by spaces on vitest 4 (getTaskFullName, which may start with the file's name) and by ' > ' on vitest 5:
 * either separator, escaped, anchored at the end only.
 */
export function profileCommand(file: string, names: readonly string[]): string {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const pattern = `${names.map(escape).join('(?: | > )')}$`
  return `npx vitest-profile run ${JSON.stringify(file)} -t ${JSON.stringify(pattern)}`
}
