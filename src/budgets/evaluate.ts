/**
 * Verdicts of a test attempt's cpu and wall budgets, from what the meter measured (agent/meter.ts). Pure.
 *
 * The rule (DESIGN.md, "Budget semantics"): a figure fails only when it is over its budget by more than its
 * error bound. A figure whose bound straddles the budget is "inconclusive": a warning, and a failure only under
 * `strict`. Line and function budgets need samples, so they are judged where the samples are attributed (the
 * main process, budgets/lines.ts); here they are "pending".
 */
import type { NormalizedBudget } from './parse.js'
import { formatMs } from './parse.js'

export type Verdict = 'pass' | 'fail' | 'inconclusive'

/** What the meter measured for one attempt (milliseconds). */
export interface MeasuredMs {
  wall: number
  main: number
  /** Worker threads and child processes together: the `workers` of `cpu: { main, workers }`. */
  workers: number
  threads: number
  processes: number
  /** Error bound of the CPU figures (ms). */
  bound: number
  /** Worker threads / processes that spent CPU in the attempt. */
  threadCount: number
  processCount: number
  notes: string[]
  /**
   * The CPU its process spent outside the test's threads (V8's GC and compiler threads), when known (a forks
   * pool's test): not part of any figure above; the regression gate's load model uses it (budgets/calibration.ts).
   */
  helpers?: number
}

/** One budget figure's verdict; JSON-only (it travels in task meta to every reporter). */
export interface Check {
  /** 'cpu', 'cpu.main', 'cpu.workers' or 'wall'. */
  key: string
  measuredMs: number
  budgetMs: number
  boundMs: number
  verdict: Verdict
}

export function checkAttempt(budget: NormalizedBudget, m: MeasuredMs): Check[] {
  const checks: Check[] = []
  const cpu = budget.cpu
  const judge = (key: string, measured: number, limit: number | undefined, bound: number) => {
    if (limit === undefined) return
    let verdict: Verdict = 'pass'
    if (measured - bound > limit) verdict = 'fail'
    else if (measured + bound > limit) verdict = budget.strict ? 'fail' : 'inconclusive'
    checks.push({ key, measuredMs: round(measured), budgetMs: limit, boundMs: round(bound), verdict })
  }
  judge('cpu', m.main + m.workers, cpu?.total, m.bound)
  // The whole bound, also for the test thread's part (its schedstat reading can be a tick old too): never fails on noise.
  judge('cpu.main', m.main, cpu?.main, m.bound)
  judge('cpu.workers', m.workers, cpu?.workers, m.bound)
  // Wall time is read from one monotonic clock at both ends: no bound beyond its resolution.
  judge('wall', m.wall, budget.wall, 0)
  return checks
}

/** The worst verdict of a list (fail > inconclusive > pass); pass for none. */
export function overall(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail'
  if (verdicts.includes('inconclusive')) return 'inconclusive'
  return 'pass'
}

const round = (ms: number) => Math.round(ms * 100) / 100

const LABEL: Record<string, string> = {
  cpu: 'CPU',
  'cpu.main': 'CPU of the test thread',
  'cpu.workers': 'CPU of its workers and processes',
  wall: 'wall time',
}

/**
 * The failure message of an attempt: what was over and by how much, with its bound; where the CPU ran (the
 * test's thread vs its worker threads and processes); and how to see the lines (`whereHint`: the top lines
 * when samples exist, otherwise the command that profiles just this test).
 */
export function formatBudgetMessage(checks: readonly Check[], m: MeasuredMs, whereHint: string): string {
  const lines: string[] = []
  const failed = checks.filter((c) => c.verdict === 'fail')
  for (const c of failed) {
    const over = c.budgetMs > 0 ? ` (${(c.measuredMs / c.budgetMs).toFixed(2)}x)` : ''
    const bound = c.boundMs > 0 ? ` ± ${formatMs(c.boundMs)}` : ''
    lines.push(`${c.key} budget exceeded: ${LABEL[c.key] ?? c.key} ${formatMs(c.measuredMs)}${bound} > budget ${formatMs(c.budgetMs)}${over}`)
  }
  const parts: string[] = []
  if (m.threadCount > 0 || m.threads > 0) parts.push(`${m.threadCount} worker thread${m.threadCount === 1 ? '' : 's'} ${formatMs(m.threads)}`)
  if (m.processCount > 0 || m.processes > 0) parts.push(`${m.processCount} child process${m.processCount === 1 ? '' : 'es'} ${formatMs(m.processes)}`)
  lines.push(
    parts.length === 0
      ? `  where the CPU ran: all in the test's own thread (${formatMs(m.main)}); wall ${formatMs(m.wall)}`
      : `  where the CPU ran: test thread ${formatMs(m.main)}, workers ${formatMs(m.workers)} (${parts.join(', ')}); wall ${formatMs(m.wall)}`,
  )
  for (const note of m.notes) lines.push(`  note: ${note}`)
  if (whereHint) lines.push(whereHint)
  return lines.join('\n')
}
