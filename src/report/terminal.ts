/**
 * The terminal report, rendered from the JSON model alone, in sections: the table of tests and of the time
 * outside them (terminal-table.ts); each heavy test's hot lines across all its threads, in rows that add up to
 * its CPU (terminal-lines.ts); threads seen vs. received; notes; the report files; the budgets. Colours through
 * picocolors (NO_COLOR / FORCE_COLOR respected by the caller's `color`); every line fits the width (60 to 200
 * columns) by giving way where it tells least, and the completeness and budget lines are never cut.
 */
import pc from 'picocolors'
import type { JsonBucket, JsonReport, JsonSampledCheck } from './schema.js'
import type { RenderContext } from './renderer.js'
import { closingLine } from '../budgets/summary.js'
import { formatMs } from '../budgets/parse.js'
import { commonDir, cut, fmtUs, pad, visible, wrap } from './text.js'
import { fitFileRow, fitName, nameParts, testLabel } from './terminal-names.js'
import { baseId, formatTable, OUTSIDE_FILE, retried } from './terminal-table.js'
import { formatSection } from './terminal-lines.js'

export { fmtShare, fmtUs, ellipsizeMiddle } from './text.js'
export { testLabel } from './terminal-names.js'

/** Tests with a hot-lines section: the heaviest with at least the floor's samples. */
const MAX_SECTIONS = 6
/** Files whose time outside tests gets a section: the heaviest over OUTSIDE_SECTION_US. */
const MAX_OUTSIDE_SECTIONS = 2
const OUTSIDE_SECTION_US = 50_000

export function formatTerminal(report: JsonReport, ctx: Pick<RenderContext, 'color' | 'width' | 'topLines' | 'files'>): string {
  const c = pc.createColors(ctx.color)
  const W = Math.max(60, Math.min(ctx.width || 100, 200))
  const out: string[] = []
  const push = (s = '') => out.push(cut(s, W))
  push()
  // The header's parts wrap rather than be cut: the floor and the bound say how to read every figure below.
  const parts = [`run ${report.run.runId}`, `interval ${report.run.intervalUs}µs`, '±: 95% bound', `< ${report.model.minSamples} samples: inconclusive`]
  const title = `${c.bold(c.inverse(' vitest-profiler '))} `
  let line = title
  for (const p of parts) {
    const next = line === title ? `${line}${c.dim(p)}` : `${line}${c.dim(` · ${p}`)}`
    if (visible(next) > W && line !== title) {
      out.push(line)
      line = `${' '.repeat(visible(title))}${c.dim(p)}`
    } else line = next
  }
  out.push(line)
  push()
  for (const l of formatTable(c, report, W)) push(l)

  // Hot lines of the heaviest tests (a test under the floor's samples has no line worth a section).
  const multi = retried(report.tests)
  const sampled = (b: JsonBucket) => b.samples.main + b.samples.workers >= report.model.minSamples || (b.native ?? []).some((n) => n.cpuUs >= 1000)
  const heavy = [...report.tests]
    .filter((t) => (t.lines.length || t.native?.length) && sampled(t))
    .sort((a, b) => b.cpu.totalUs - a.cpu.totalUs)
    .slice(0, MAX_SECTIONS)
  for (const t of heavy) {
    const attempt = multi.has(baseId(t.id)) ? ` (attempt ${t.attempt})` : ''
    for (const l of formatSection(c, t, fitName(nameParts(t), W - 2 - attempt.length) + attempt, ctx.topLines, W)) push(l)
  }
  const outsideHeavy = report.outside
    .filter((o) => o.file !== null && o.cpu.totalUs >= OUTSIDE_SECTION_US)
    .sort((a, b) => b.cpu.totalUs - a.cpu.totalUs)
    .slice(0, MAX_OUTSIDE_SECTIONS)
  for (const o of outsideHeavy) {
    const name = fitFileRow(o.file!, OUTSIDE_FILE, W - 2)
    for (const l of formatSection(c, o, name, Math.min(3, ctx.topLines), W)) push(l)
  }
  const rest = report.tests.length - heavy.length
  if (rest > 0) push(c.dim(`  hot lines of ${rest} more test${rest === 1 ? '' : 's'}: report.json`))

  // Threads.
  push()
  const unflushed = report.threads.filter((t) => t.ending.status === 'unflushed')
  // Never cut: these lines are the run's completeness record (and tests match them whole).
  const beforeCode = report.endedBeforeRunning ? `, ended before running any code: ${report.endedBeforeRunning}` : ''
  out.push(`  threads/processes seen: ${report.threadsSeen}${notNodeNote(report)}, profiles received: ${report.profilesReceived}${beforeCode}` + (unflushed.length ? c.red(`, died unflushed: ${unflushed.length}`) : ''))
  for (const t of unflushed) {
    if (t.ending.status !== 'unflushed') continue
    const lost =
      t.ending.diedAtUs !== null && t.ending.lastFlushUs !== null ? ` (lost at most ${((t.ending.diedAtUs - t.ending.lastFlushUs) / 1000).toFixed(1)}ms after its last flush)` : ''
    const why = t.ending.signal ? ` by ${t.ending.signal}` : t.ending.exitCode !== undefined ? ` (exit code ${t.ending.exitCode}${t.ending.exitCode === 1 ? ', e.g. its resourceLimits' : ''})` : ''
    // Its title says which thread it was (a worker's name or script, `node child.mjs`).
    out.push(c.red(`    ${t.key} ${t.kind}: ended without flushing${why}${lost}${t.title ? ` (${t.title})` : ''}`))
  }
  for (const m of report.missing) out.push(c.red(`    ${m.kind} ${m.id} started by ${m.parent} left no profile${m.command ? ` (${m.command})` : ''}`))
  for (const u of report.unattributed) push(c.yellow(`    ${u.name}: ${fmtUs(u.cpu.totalUs)} cpu attributed to no test`))
  if (report.notes.length) {
    push()
    for (const n of report.notes) for (const l of wrap(`note: ${n}`, W - 4)) push(c.dim(`  ${l}`))
  }
  if (ctx.files.length) {
    push()
    const byRenderer = new Map<string, string[]>()
    for (const f of ctx.files) byRenderer.set(f.renderer, [...(byRenderer.get(f.renderer) ?? []), f.path])
    for (const [r, paths] of byRenderer) {
      if (paths.length === 1) out.push(`  ${pad(r, 11)} ${paths[0]}`)
      else out.push(`  ${pad(r, 11)} ${paths.length} files in ${commonDir(paths)}`)
    }
  }
  const budgets = formatBudgets(report, ctx.color)
  if (budgets) {
    out.push('')
    out.push(budgets)
  }
  push()
  return out.join('\n')
}

/** A figure of a line/function budget against its limit: '120 ms ± 8.00 ms' or '85.0% ± 4.1% (120 ms)'. */
function sampledFigure(s: JsonSampledCheck): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`
  if (s.limitUs !== null) {
    const half = Math.max(s.highUs - s.cpuUs, s.cpuUs - s.lowUs) / 1000
    return `${formatMs(s.cpuUs / 1000)}${half > 0 ? ` ± ${formatMs(half)}` : ''} against ${formatMs(s.limitUs / 1000)}`
  }
  const half = Math.max(s.shareHigh - s.share, s.share - s.shareLow)
  return `${pct(s.share)}${half > 0 ? ` ± ${pct(half)}` : ''} (${formatMs(s.cpuUs / 1000)}) against ${pct(s.limitShare ?? 0)}`
}

/**
 * The run's budgets, at the end of the terminal report (also printed alone when the report is off, since a
 * budget judged after the run fails the run): each failed test (by its last attempt) with its message and its
 * top lines, each inconclusive test with what was inconclusive, and the closing line
 * `budgets: N passed, M failed, K inconclusive`. '' when no test had a budget. Never cut: tests match it whole.
 */
export function formatBudgets(report: JsonReport, color: boolean): string {
  const totals = report.budgets
  if (!totals || totals.tests === 0) return ''
  const c = pc.createColors(color)
  const multi = retried(report.tests)
  const out: string[] = []
  const label = (t: JsonBucket) => testLabel(t) + (multi.has(baseId(t.id)) ? ` (attempt ${t.attempt})` : '')
  for (const t of report.tests) {
    const b = t.budget
    if (!b?.last || b.verdict !== 'fail' || !b.message) continue
    const after = totals.failedAfterRun.includes(t.id) ? c.dim(' (judged after the run from its samples: this fails the run)') : ''
    out.push(`  ${c.red(c.bold('budget failed'))} ${label(t)}${after}`)
    for (const l of b.message.split('\n')) out.push(`    ${l}`)
  }
  for (const t of report.tests) {
    const b = t.budget
    if (!b?.last || b.verdict !== 'inconclusive') continue
    const what = [
      ...b.checks.filter((k) => k.verdict === 'inconclusive').map((k) => `${k.key} ${formatMs(k.measuredUs / 1000)} ± ${formatMs(k.boundUs / 1000)} against ${formatMs(k.budgetUs / 1000)}`),
      ...b.sampled
        .filter((s) => s.verdict === 'inconclusive')
        .map((s) => `${s.key} ${sampledFigure(s)} (${s.reason === 'samples' ? `${Math.floor(s.samples)} samples, fewer than minSamples ${s.minSamples}` : 'its 95% bound straddles the budget'})`),
    ]
    out.push(`  ${c.yellow('inconclusive')}: ${label(t)}: ${what.join('; ')}`)
  }
  const line = closingLine(totals)
  out.push(`  ${(totals.failed ? c.red : totals.inconclusive ? c.yellow : c.green)(line)}`)
  return out.join('\n')
}

/** ` (3 not Node: CPU from the OS, no lines)`: processes with no profile that are still accounted for. */
function notNodeNote(report: JsonReport): string {
  const native = report.native ?? []
  if (!native.length) return ''
  const unknown = native.filter((p) => p.cpuSource === 'unknown').length
  const wrapping = native.filter((p) => p.cpuSource === 'node-children').length
  const how = unknown === native.length ? 'CPU unknown on this platform' : 'CPU from the OS'
  const more = [
    ...(unknown && unknown < native.length ? [`CPU unknown for ${unknown}`] : []),
    ...(wrapping ? [`${wrapping} started Node, counted there`] : []),
  ]
  return ` (${native.length} not Node: ${how}, no lines${more.length ? `; ${more.join('; ')}` : ''})`
}
