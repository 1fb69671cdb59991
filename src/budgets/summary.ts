/**
 * The budgets of a run, from the verdicts each test thread recorded in its tests' meta (attempt.ts): one
 * entry per test with a budget, and the closing line `budgets: N passed, M failed, K inconclusive`. Pure.
 *
 * A test counts once, by its last attempt (as vitest counts a retried test); `invalid` (bad budget input) is
 * counted as failed, since that test failed.
 */
import { BUDGET_META_KEY, type AttemptRecord, type BudgetMeta } from './attempt.js'

export interface BudgetedTest {
  /** `file › describe › test`. */
  name: string
  file: string
  last: AttemptRecord
  attempts: AttemptRecord[]
}

export interface BudgetTotals {
  passed: number
  failed: number
  inconclusive: number
}

/** The test's budget verdicts; null without a budget (a test only metered for the gate has none). */
export function budgetOf(meta: Record<string, unknown> | undefined): BudgetMeta | null {
  const b = meterOf(meta)
  return b && !b.attempts.some((a) => a.metered) ? b : null
}

/** A test's attempts in the order they ran; the last is the one that counts (as vitest counts a retried test). */
export function attemptsInOrder(b: BudgetMeta): AttemptRecord[] {
  return [...b.attempts].sort((x, y) => x.attempt - y.attempt)
}

/** The test's meter records, budget or not (the regression gate's figures). */
export function meterOf(meta: Record<string, unknown> | undefined): BudgetMeta | null {
  const b = meta?.[BUDGET_META_KEY] as BudgetMeta | undefined
  return b && b.v === 1 && Array.isArray(b.attempts) && b.attempts.length > 0 ? b : null
}

export function totals(tests: readonly BudgetedTest[]): BudgetTotals {
  const t: BudgetTotals = { passed: 0, failed: 0, inconclusive: 0 }
  for (const test of tests) {
    const v = test.last.verdict
    if (v === 'pass') t.passed++
    else if (v === 'inconclusive') t.inconclusive++
    else t.failed++
  }
  return t
}

export function closingLine(t: BudgetTotals): string {
  return `budgets: ${t.passed} passed, ${t.failed} failed, ${t.inconclusive} inconclusive`
}

/** One line per inconclusive test: which figure straddled its budget, or which figures still need samples. */
export function inconclusiveLines(tests: readonly BudgetedTest[]): string[] {
  const out: string[] = []
  for (const test of tests) {
    if (test.last.verdict !== 'inconclusive') continue
    const what = test.last.checks
      .filter((c) => c.verdict === 'inconclusive')
      .map((c) => `${c.key} ${c.measuredMs} ms ± ${c.boundMs} ms against ${c.budgetMs} ms`)
    out.push(`  inconclusive: ${test.name}: ${what.join('; ') || test.last.pending.join(', ')}`)
  }
  return out
}
