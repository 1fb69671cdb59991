/**
 * The terminal report, rendered from the JSON model alone: per test CPU main vs. workers, wall, samples, what
 * the test's thread waited for; then each heavy test's hot lines across all its threads (file:line, share with
 * its 95% bound, self CPU, the containing function's total, main/worker split, the line's source text); the
 * time outside tests per file; threads seen vs. received; notes; the report files. Colours through picocolors
 * (NO_COLOR / FORCE_COLOR respected by the caller's `color`), lines cut to the terminal width.
 */
import pc from 'picocolors'
import type { JsonBucket, JsonLine, JsonReport, JsonSampledCheck, JsonShare } from './schema.js'
import type { RenderContext } from './renderer.js'
import { closingLine } from '../budgets/summary.js'
import { formatMs } from '../budgets/parse.js'

type Colors = ReturnType<typeof pc.createColors>

export function fmtUs(us: number): string {
  if (us < 1000) return `${(us / 1000).toFixed(1)}ms`
  if (us < 1_000_000) return `${Math.round(us / 1000)}ms`
  return `${(us / 1_000_000).toFixed(2)}s`
}

export function fmtShare(s: JsonShare): string {
  if (s.value === null) return `inconclusive`
  const half = Math.max(s.high - s.value, s.value - s.low) * 100
  return `${(s.value * 100).toFixed(1)}% ±${half < 10 ? half.toFixed(1) : Math.round(half)}`
}

/** Visible length ignores ANSI colour codes. */
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length

function cut(s: string, width: number): string {
  if (visible(s) <= width) return s
  // Colour codes make exact slicing fiddly; cutting the plain text keeps the line within the terminal.
  const plain = s.replace(/\x1b\[[0-9;]*m/g, '')
  return plain.slice(0, Math.max(0, width - 1)) + '…'
}

const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - visible(s)))
const lpad = (s: string, n: number) => ' '.repeat(Math.max(0, n - visible(s))) + s

function ellipsizeLeft(s: string, n: number): string {
  return s.length <= n ? s : '…' + s.slice(s.length - n + 1)
}

/**
 * Cut from the middle: the start (project, file) and the end (the test's own name) are what tell rows apart;
 * the describe chain between them gives way first. The end keeps the larger part.
 */
export function ellipsizeMiddle(s: string, n: number): string {
  if (s.length <= n) return s
  const head = Math.floor((n - 1) * 0.4)
  return s.slice(0, head) + '…' + s.slice(s.length - (n - 1 - head))
}

/** `project › file › describe › test`: a row's name (schema.ts has the parts). */
export function testLabel(t: Pick<JsonBucket, 'project' | 'file' | 'name' | 'suite'>): string {
  const prefix = t.suite.length ? `${t.suite.join(' > ')} > ` : ''
  const below = prefix && t.name.startsWith(prefix) ? [...t.suite, t.name.slice(prefix.length)] : [t.name]
  return [...(t.project ? [t.project] : []), t.file ?? '', ...below].join(' › ')
}

/** Tests that ran more than once (retries, repeats): their rows say which attempt each is. */
function retried(tests: JsonBucket[]): Set<string> {
  const runs = new Map<string, number>()
  for (const t of tests) runs.set(baseId(t.id), (runs.get(baseId(t.id)) ?? 0) + 1)
  return new Set([...runs].filter(([, n]) => n > 1).map(([id]) => id))
}
const baseId = (id: string) => id.replace(/#\d+$/, '')

export function formatTerminal(report: JsonReport, ctx: Pick<RenderContext, 'color' | 'width' | 'topLines' | 'files'>): string {
  const c = pc.createColors(ctx.color)
  const W = Math.max(60, Math.min(ctx.width || 100, 200))
  const out: string[] = []
  const push = (s = '') => out.push(cut(s, W))
  push()
  push(`${c.bold(c.inverse(' vitest-profiler '))} ${c.dim(`run ${report.run.runId} · interval ${report.run.intervalUs}µs · ±: 95% bound · < ${report.model.minSamples} samples: inconclusive`)}`)
  push()

  // Test table. The budget verdict column (only when a test has a budget) comes right after the name and is
  // taken out of the name's width: a narrow terminal cuts the figures at the row's end, never the verdict.
  const budgeted = report.tests.some((t) => t.budget)
  const BW = budgeted ? VERDICT_W : 0
  const nameW = Math.max(20, W - 2 - 9 * 4 - 14 - BW)
  push(c.dim(`  ${pad('test', nameW)}${budgeted ? pad('budget', BW) : ''}${lpad('wall', 9)}${lpad('cpu', 9)}${lpad('main', 9)}${lpad('workers', 9)}${lpad('samples', 14)}`))
  const multi = retried(report.tests)
  for (const t of report.tests) {
    // Attempt and state go with the name, not after the last column, where a full-width row has no room left.
    // So do the flags (shared windows, estimated CPU): after the last column a full-width row cuts them off.
    const marks: { text: string; color: (s: string) => string }[] = []
    if (multi.has(baseId(t.id)) && t.attempt !== null) marks.push({ text: `attempt ${t.attempt}`, color: c.cyan })
    if (t.state === 'fail') marks.push({ text: 'failed', color: c.red })
    if (t.sharedWith.length) marks.push({ text: `shared with ${t.sharedWith.length} concurrent`, color: c.yellow })
    if (t.cpu.estimated) marks.push({ text: 'cpu estimated', color: c.yellow })
    const suffixLength = marks.length ? 3 + marks.reduce((n, m) => n + m.text.length, 0) + 2 * (marks.length - 1) : 0
    const suffix = marks.length ? ` (${marks.map((m) => m.color(m.text)).join(', ')})` : ''
    const name = ellipsizeMiddle(testLabel(t), Math.max(10, nameW - 1 - suffixLength)) + suffix
    push(
      `  ${pad(name, nameW)}${budgeted ? pad(verdictCell(c, t), BW) : ''}${lpad(fmtUs(t.wallUs), 9)}${lpad(fmtUs(t.cpu.totalUs), 9)}${lpad(fmtUs(t.cpu.mainUs), 9)}${lpad(fmtUs(t.cpu.workersUs), 9)}${lpad(`${t.samples.main}+${t.samples.workers}`, 14)}`,
    )
  }
  for (const o of report.outside) {
    if (o.cpu.totalUs < 1000 && o.samples.main + o.samples.workers < report.model.minSamples) continue
    const name = ellipsizeLeft(`${o.file ?? '(no file)'} > ${c.dim('(outside tests)')}`, nameW - 1 + visible(c.dim('')))
    push(`  ${pad(name, nameW)}${' '.repeat(BW)}${lpad('', 9)}${lpad(fmtUs(o.cpu.totalUs), 9)}${lpad(fmtUs(o.cpu.mainUs), 9)}${lpad(fmtUs(o.cpu.workersUs), 9)}${lpad(`${o.samples.main}+${o.samples.workers}`, 14)}`)
  }

  // Hot lines of the heaviest tests.
  const heavy = [...report.tests].sort((a, b) => b.cpu.totalUs - a.cpu.totalUs).filter((t) => t.lines.length || (t.native ?? []).some((n) => n.cpuUs >= 1000)).slice(0, 10)
  for (const t of heavy) hotLines(c, push, t, testLabel(t) + (multi.has(baseId(t.id)) ? ` (attempt ${t.attempt})` : ''), ctx.topLines, W)
  const outsideHeavy = report.outside.filter((o) => o.cpu.totalUs >= 50_000).sort((a, b) => b.cpu.totalUs - a.cpu.totalUs).slice(0, 3)
  for (const o of outsideHeavy) hotLines(c, push, o, `${o.file ?? '(no file)'} (outside tests)`, Math.min(3, ctx.topLines), W)
  if (report.tests.length > heavy.length) push(c.dim(`  hot lines of ${report.tests.length - heavy.length} more tests: report.json`))

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
    out.push(c.red(`    ${t.key} ${t.kind}: ended without flushing${why}${lost}`))
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

/** 'inconclusive' and a space: the verdict column's width. */
const VERDICT_W = 13

const VERDICT_TEXT = { pass: 'pass', fail: 'FAIL', inconclusive: 'inconclusive', invalid: 'invalid' } as const

function verdictCell(c: Colors, t: JsonBucket): string {
  if (!t.budget) return ''
  const v = t.budget.verdict
  const text = VERDICT_TEXT[v]
  return v === 'pass' ? c.green(text) : v === 'inconclusive' ? c.yellow(text) : c.red(text)
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

function hotLines(c: Colors, push: (s?: string) => void, b: JsonBucket, title: string, top: number, W: number): void {
  push()
  const info = `· cpu ${fmtUs(b.cpu.totalUs)} (main ${fmtUs(b.cpu.mainUs)}, workers ${fmtUs(b.cpu.workersUs)}) · ${b.samples.main + b.samples.workers} samples`
  // A long title gives way in its middle, so that the test's own name and its figures stay on the line.
  push(`  ${c.bold(ellipsizeMiddle(title, Math.max(30, W - 3 - info.length)))} ${c.dim(info)}`)
  push(c.dim(`    ${pad('share', 13)}${lpad('self', 8)}${lpad('fn total', 10)}${lpad('main/wkr', 10)}  line`))
  for (const l of b.lines.slice(0, top)) push(lineRow(c, l, W))
  const rest = b.lines.slice(top).reduce((s, l) => s + l.cpuUs, 0)
  if (rest > 0) push(c.dim(`    ${pad('', 13)}${lpad(fmtUs(rest), 8)}  in ${b.lines.length - top} more lines`))
  // Processes that are not Node: CPU from the OS, exact (no ±), on no line. Under 1 ms is a long-lived
  // process's idle tail spread over the window by interpolation (native.ts): in report.json, not worth a row.
  const shown = (b.native ?? []).filter((n) => n.cpuUs >= 1000)
  for (const n of shown.slice(0, top)) {
    const head = `    ${pad(`${(n.share * 100).toFixed(1)}%`, 13)}${lpad(fmtUs(n.cpuUs), 8)}${lpad('-', 10)}${lpad('0/100', 10)}  `
    const tail = ' (CPU from the OS, no lines)'
    // The command's arguments give way, not its program nor what says that this row has no lines.
    const room = Math.max(n.name.split(' ').slice(0, 3).join(' ').length + 2, W - visible(head) - tail.length)
    push(`${head}${c.magenta(n.name.length > room ? n.name.slice(0, room - 1) + '…' : n.name)}${c.dim(tail)}`)
  }
  const nativeRest = shown.slice(top)
  if (nativeRest.length) push(c.dim(`    ${pad('', 13)}${lpad(fmtUs(nativeRest.reduce((s, n) => s + n.cpuUs, 0)), 8)}  in ${nativeRest.length} more processes that are not Node`))
  if (b.cpu.profilerUs >= 1000) push(c.dim(`    ${pad('', 13)}${lpad(fmtUs(b.cpu.profilerUs), 8)}  profiler overhead (not on any line)`))
  const waited = b.waiting.idleUs + b.waiting.blockedUs
  if (b.kind === 'test' && waited >= 1000 && b.cpu.workersUs > 0) {
    const what = b.waiting.waitedFor.slice(0, 3).map((w) => `${w.line === null ? w.file : `${w.file}:${w.line}`} ${fmtUs(w.cpuUs)}`)
    push(
      `    ${c.cyan('main thread waiting')} ${fmtUs(waited)} (${fmtUs(b.waiting.idleUs)} event loop, ${fmtUs(b.waiting.blockedUs)} blocked)` +
        (what.length ? `; workers meanwhile: ${what.join(', ')}` : ''),
    )
  }
}

function lineRow(c: Colors, l: JsonLine, W: number): string {
  const shareText = l.share.inconclusive ? c.yellow(`inconclusive`) : fmtShare(l.share)
  const split = l.cpuUs > 0 ? `${Math.round((l.mainUs / l.cpuUs) * 100)}/${Math.round((l.workersUs / l.cpuUs) * 100)}` : '-'
  const where = l.line === null ? c.dim(l.file) : `${l.file}:${l.line}`
  const level = l.level === 'none' ? c.yellow(' (no line from V8)') : l.level === 'function' && l.line !== null ? c.yellow(' (function-level)') : ''
  // Line samples are fractional (a node's samples split by its line histogram): round down, so a line shown
  // as inconclusive never shows the floor itself (19.6 samples is below a floor of 20).
  const samples = l.share.inconclusive ? c.dim(` [${Math.floor(l.share.samples)} samples]`) : ''
  const head = `    ${pad(shareText, 13)}${lpad(fmtUs(l.cpuUs), 8)}${lpad(l.functionTotalUs === null ? '-' : fmtUs(l.functionTotalUs), 10)}${lpad(split, 10)}  ${where}${level}${samples}`
  const room = W - visible(head) - 3
  const src = l.source && room > 8 ? '  ' + c.dim(l.source.length > room ? l.source.slice(0, room - 1) + '…' : l.source) : l.line === null || l.level === 'none' ? c.dim(`  ${l.function}`) : ''
  return head + src
}

function wrap(text: string, width: number): string[] {
  const words = text.split(' ')
  const lines: string[] = []
  let cur = ''
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur)
      cur = '  ' + w
    } else cur = cur ? `${cur} ${w}` : w
  }
  if (cur) lines.push(cur)
  return lines
}

function commonDir(paths: string[]): string {
  const parts = paths.map((p) => p.split('/'))
  const first = parts[0]!
  let n = 0
  while (n < first.length - 1 && parts.every((p) => p[n] === first[n])) n++
  return first.slice(0, n).join('/') + '/'
}
