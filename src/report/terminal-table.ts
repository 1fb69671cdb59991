/**
 * The terminal report's test table (issue #10.5, #10.6): one row per test attempt that matters (failures and
 * flagged rows first, then by CPU), the rest in one line that says where they are; then what ran outside tests,
 * each row named by what it is. Fits any width from 60 columns: names give way (terminal-names.ts), the figures
 * and the budget verdict never do, and a row's flags move to a line of their own rather than be cut.
 */
import type pc from 'picocolors'
import type { JsonBucket, JsonReport } from './schema.js'
import { fitFileRow, fitNames, nameParts, testLabel } from './terminal-names.js'
import { ellipsizeMiddle, fmtUs, lpad, pad, visible } from './text.js'

type Colors = ReturnType<typeof pc.createColors>

/** Tests shown as rows when there are more than MAX_TEST_ROWS + SUMMARY_SLACK; the rest are one line. */
export const MAX_TEST_ROWS = 20
const SUMMARY_SLACK = 5
/** Files whose time outside tests gets a row; the rest are one line. */
const MAX_OUTSIDE_ROWS = 5
/** A name's room below which a row's flags go on a line of their own. */
const MIN_NAME_WITH_FLAGS = 16

/** What a file's time outside its tests is: its import (and transform), its collection, its beforeAll/afterAll. */
export const OUTSIDE_FILE = '(import, collection, hooks)'
const OUTSIDE_FILE_SHORT = '(import etc.)'

const COLS = [
  ['wall', 7],
  ['cpu', 7],
  ['main', 7],
  ['workers', 8],
  ['samples', 10],
] as const
const FIGURES_W = COLS.reduce((s, [, w]) => s + w, 0)

const VERDICT_TEXT = { pass: 'pass', fail: 'FAIL', inconclusive: 'inconclusive', invalid: 'invalid' } as const

/** Tests that ran more than once (retries, repeats): their rows say which attempt each is. */
export function retried(tests: JsonBucket[]): Set<string> {
  const runs = new Map<string, number>()
  for (const t of tests) runs.set(baseId(t.id), (runs.get(baseId(t.id)) ?? 0) + 1)
  return new Set([...runs].filter(([, n]) => n > 1).map(([id]) => id))
}
export const baseId = (id: string): string => id.replace(/#\d+$/, '')

interface Mark {
  text: string
  color: (s: string) => string
}

function marksOf(c: Colors, t: JsonBucket, multi: Set<string>): Mark[] {
  const marks: Mark[] = []
  if (multi.has(baseId(t.id)) && t.attempt !== null) marks.push({ text: `attempt ${t.attempt}`, color: c.cyan })
  if (t.state === 'fail') marks.push({ text: 'failed', color: c.red })
  if (t.sharedWith.length) marks.push({ text: `shared with ${t.sharedWith.length} concurrent`, color: c.yellow })
  if (t.cpu.estimated) marks.push({ text: 'cpu estimated', color: c.yellow })
  return marks
}

/** 0: failed (the test or its budget); 1: flagged; 2: the rest. Rows are shown in this order, then by CPU. */
function rank(t: JsonBucket): number {
  const v = t.budget?.verdict
  if (t.state === 'fail' || v === 'fail' || v === 'invalid') return 0
  if (t.sharedWith.length || t.cpu.estimated || v === 'inconclusive') return 1
  return 2
}

export function tableRows(tests: JsonBucket[]): { shown: JsonBucket[]; hidden: JsonBucket[] } {
  const ordered = [...tests].sort((a, b) => rank(a) - rank(b) || b.cpu.totalUs - a.cpu.totalUs)
  if (ordered.length <= MAX_TEST_ROWS + SUMMARY_SLACK) return { shown: ordered, hidden: [] }
  return { shown: ordered.slice(0, MAX_TEST_ROWS), hidden: ordered.slice(MAX_TEST_ROWS) }
}

export function formatTable(c: Colors, report: JsonReport, W: number): string[] {
  const out: string[] = []
  const verdicts = report.tests.map((t) => (t.budget ? VERDICT_TEXT[t.budget.verdict] : ''))
  const BW = verdicts.some(Boolean) ? Math.max('budget'.length, ...verdicts.map((v) => v.length)) + 1 : 0
  const multi = retried(report.tests)
  const { shown, hidden } = tableRows(report.tests)
  const marks = shown.map((t) => marksOf(c, t, multi))
  const marksW = marks.map((m) => (m.length ? 3 + m.reduce((n, k) => n + k.text.length, 0) + 2 * (m.length - 1) : 0))
  // The name column is as wide as its widest full name (with its flags), within what the figures leave.
  const outsideW = Math.max(0, ...report.outside.map((o) => (o.file ?? '').length + 3 + OUTSIDE_FILE.length))
  const widest = Math.max('test'.length, outsideW, ...shown.map((t, i) => testLabel(t).length + marksW[i]!)) + 2
  const nameW = Math.max(12, Math.min(W - 2 - FIGURES_W - BW, widest))
  const figures = (b: Pick<JsonBucket, 'cpu' | 'samples'>, wallUs: number | null) =>
    [wallUs === null ? '' : fmtUs(wallUs), fmtUs(b.cpu.totalUs), fmtUs(b.cpu.mainUs), fmtUs(b.cpu.workersUs), `${b.samples.main}+${b.samples.workers}`]
      .map((v, i) => lpad(v, COLS[i]![1]))
      .join('')
  const row = (name: string, verdict: string, figs: string) => `  ${pad(name, nameW)}${BW ? pad(verdict, BW) : ''}${figs}`
  out.push(c.dim(row('test', BW ? 'budget' : '', COLS.map(([h, w]) => lpad(h, w)).join(''))))

  // Flags that leave the name too little room go on a line of their own: a flag is never cut.
  const inline = marksW.map((w) => nameW - 1 - w >= MIN_NAME_WITH_FLAGS)
  const names = fitNames(
    shown.map(nameParts),
    shown.map((_, i) => nameW - 1 - (inline[i] ? marksW[i]! : 0)),
  )
  shown.forEach((t, i) => {
    const m = marks[i]!
    const flags = m.length ? ` (${m.map((k) => k.color(k.text)).join(', ')})` : ''
    const name = names[i]! + (inline[i] ? flags : '')
    const verdict = t.budget ? verdictColor(c, t.budget.verdict)(VERDICT_TEXT[t.budget.verdict]) : ''
    out.push(row(name, verdict, figures(t, t.wallUs)))
    if (m.length && !inline[i]) out.push(...flagLines(m, W))
  })
  if (hidden.length) out.push(c.dim(`  … ${hiddenSummary(hidden)} (every test: report.json, tests[])`))

  for (const o of outsideRows(report, nameW - 1)) out.push(row(o.name, '', figures(o, null)))
  return out
}

/** Flags on lines of their own below the row, as many as they need: a flag is never cut. */
function flagLines(marks: Mark[], W: number): string[] {
  const lines: string[] = []
  let cur = '    ↳'
  let n = visible(cur)
  marks.forEach((m, i) => {
    const text = `${i === 0 ? ' (' : ' '}${m.text}${i === marks.length - 1 ? ')' : ','}`
    if (n + text.length > W && n > 6) {
      lines.push(cur)
      cur = '     '
      n = cur.length
    }
    cur += text.replace(m.text, m.color(m.text))
    n += text.length
  })
  lines.push(cur)
  return lines
}

function verdictColor(c: Colors, v: keyof typeof VERDICT_TEXT): (s: string) => string {
  return v === 'pass' ? c.green : v === 'inconclusive' ? c.yellow : c.red
}

function hiddenSummary(hidden: JsonBucket[]): string {
  const cpu = hidden.reduce((s, t) => s + t.cpu.totalUs, 0)
  const most = Math.max(...hidden.map((t) => t.cpu.totalUs))
  const failed = hidden.filter((t) => rank(t) === 0).length
  return `${hidden.length} more tests: ${fmtUs(cpu)} cpu in all, none over ${fmtUs(most)}${failed ? `, ${failed} failed` : ''}`
}

interface OutsideRow extends Pick<JsonBucket, 'cpu' | 'samples'> {
  name: string
}

/**
 * What ran outside tests: per file, its import, collection and hooks (the heaviest files, the rest in one
 * row); every test thread's time outside any file (vitest's worker start-up and teardown) in one row. Rows of
 * less than 1 ms and fewer samples than the floor are left to report.json.
 */
function outsideRows(report: JsonReport, nameW: number): OutsideRow[] {
  const min = report.model.minSamples
  const worth = (o: JsonBucket) => o.cpu.totalUs >= 1000 || o.samples.main + o.samples.workers >= min
  const files = report.outside.filter((o) => o.file !== null && worth(o)).sort((a, b) => b.cpu.totalUs - a.cpu.totalUs)
  const rows: OutsideRow[] = []
  const shown = files.length <= MAX_OUTSIDE_ROWS + 1 ? files : files.slice(0, MAX_OUTSIDE_ROWS)
  // The short label when the long one would leave the file's name less than 10 characters.
  const label = nameW - OUTSIDE_FILE.length - 3 >= 10 ? OUTSIDE_FILE : OUTSIDE_FILE_SHORT
  for (const o of shown) rows.push({ name: fitFileRow(o.file!, label, nameW), cpu: o.cpu, samples: o.samples })
  const rest = files.slice(shown.length)
  if (rest.length) rows.push(sum(ellipsizeMiddle(`${rest.length} more files ${OUTSIDE_FILE}`, nameW), rest))
  const workers = report.outside.filter((o) => o.file === null)
  if (workers.length && workers.some(worth)) {
    const what = `vitest start-up, teardown (${workers.length} thread${workers.length === 1 ? '' : 's'})`
    rows.push(sum(ellipsizeMiddle(what, nameW), workers))
  }
  return rows
}

function sum(name: string, buckets: JsonBucket[]): OutsideRow {
  const add = (f: (b: JsonBucket) => number) => buckets.reduce((s, b) => s + f(b), 0)
  return {
    name,
    cpu: { ...buckets[0]!.cpu, totalUs: add((b) => b.cpu.totalUs), mainUs: add((b) => b.cpu.mainUs), workersUs: add((b) => b.cpu.workersUs) },
    samples: { main: add((b) => b.samples.main), workers: add((b) => b.samples.workers), effective: 0 },
  }
}
