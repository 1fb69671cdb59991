/**
 * The per-line diff of a regressed test: its top lines in the baseline against this run's, main vs workers, or
 * the command that would give them (gate.ts re-exports all of it). Pure.
 */
import type { TopLine } from './baseline.js'

export const PROFILE_BOTH_HINT = 'profile both runs to see the lines: npx vitest-profile run --update-baseline on main, then npx vitest-profile run'
export const PROFILE_THIS_RUN_HINT = 'profile this run to see the lines: npx vitest-profile run'

export interface LineSide {
  selfMs: number
  mainMs: number
  workersMs: number
}

/** One line of a test's per-line diff: in either side's top lines. */
export interface LineDiff {
  /** 'src/a.ts:12', relative to the project root. */
  line: string
  /** null: not among the baseline's top lines (below its cut, or not run). */
  baseline: LineSide | null
  /** null: not among this run's top lines. */
  current: LineSide | null
  /** current self − baseline self, a missing side counted as 0. */
  deltaMs: number
}

/** The per-line diff of two top-line lists (gainers first), or the hint that gives one. */
export function diffLines(baseline: readonly TopLine[] | undefined, current: readonly TopLine[] | undefined): { lines: LineDiff[] | null; hint: string | null } {
  if (!baseline) return { lines: null, hint: PROFILE_BOTH_HINT }
  if (!current) return { lines: null, hint: PROFILE_THIS_RUN_HINT }
  const side = (l: TopLine): LineSide => ({ selfMs: l.selfMs, mainMs: l.mainMs, workersMs: l.workersMs })
  const rows = new Map<string, LineDiff>()
  for (const l of baseline) rows.set(l.line, { line: l.line, baseline: side(l), current: null, deltaMs: 0 })
  for (const l of current) {
    const row = rows.get(l.line)
    if (row) row.current = side(l)
    else rows.set(l.line, { line: l.line, baseline: null, current: side(l), deltaMs: 0 })
  }
  const lines = [...rows.values()]
  for (const r of lines) r.deltaMs = (r.current?.selfMs ?? 0) - (r.baseline?.selfMs ?? 0)
  lines.sort((a, b) => b.deltaMs - a.deltaMs || (b.current?.selfMs ?? 0) - (a.current?.selfMs ?? 0) || (a.line < b.line ? -1 : a.line > b.line ? 1 : 0))
  return { lines, hint: null }
}
