/**
 * The terminal report's per-test section: the test's hot lines across all its threads, and rows that add up
 * to the test's CPU (issue #10.2): its top lines, the rest of its lines in one row, processes that are not
 * Node, the profiler's own CPU, and the clock CPU no sample carried. A grouped row (a package, Node's
 * internals, native code) reads as the group, with its heaviest functions and their own shares (#10.1).
 */
import type pc from 'picocolors'
import type { JsonBucket, JsonLine } from './schema.js'
import { fmtShare, fmtUs, lpad, pad, visible } from './text.js'

type Colors = ReturnType<typeof pc.createColors>

/** Share, self, function total, main/worker split: the columns before a line's place and text. */
const SHARE_W = 13
const SELF_W = 8
const TOTAL_W = 10
const SPLIT_W = 10
/** Rows of CPU below this (µs) are not printed: under 0.1 ms, below what the table's figures show. */
const SHOWN_US = 50


/** A row of the section that is no line: its CPU under `self`, words after it. */
const restRow = (c: Colors, us: number, words: string) => c.dim(`    ${pad('', SHARE_W)}${lpad(fmtUs(us), SELF_W)}  ${words}`)

export function formatSection(c: Colors, b: JsonBucket, title: string, top: number, W: number): string[] {
  const out: string[] = ['']
  const info = `cpu ${fmtUs(b.cpu.totalUs)} (main ${fmtUs(b.cpu.mainUs)}, workers ${fmtUs(b.cpu.workersUs)}) · ${b.samples.main + b.samples.workers} samples`
  // The title keeps its whole width when the figures would squeeze it: they go on a line of their own.
  if (2 + title.length + 3 + info.length <= W) out.push(`  ${c.bold(title)} ${c.dim(`· ${info}`)}`)
  else out.push(`  ${c.bold(title)}`, c.dim(`    ${info}`))
  out.push(c.dim(`    ${pad('share', SHARE_W)}${lpad('self', SELF_W)}${lpad('fn total', TOTAL_W)}${lpad('main/wkr', SPLIT_W)}  line`))
  const shown = b.lines.slice(0, top)
  for (const l of shown) out.push(...lineRow(c, l, W))
  const restUs = b.cpu.linesUs - shown.reduce((s, l) => s + l.cpuUs, 0)
  const restCount = b.lineCount - shown.length
  if (restCount > 0 && restUs >= SHOWN_US) out.push(restRow(c, restUs, `in ${restCount} more line${restCount === 1 ? '' : 's'}`))
  out.push(...nativeRows(c, b, top, W))
  if (b.cpu.profilerUs >= SHOWN_US) out.push(restRow(c, b.cpu.profilerUs, 'profiler overhead (our agent)'))
  if (b.cpu.unsampledUs >= SHOWN_US) out.push(restRow(c, b.cpu.unsampledUs, 'unsampled (CPU no sample saw: native work, pauses)'))
  const waited = b.waiting.idleUs + b.waiting.blockedUs
  if (b.kind === 'test' && waited >= 1000 && b.cpu.workersUs > 0) {
    const what = b.waiting.waitedFor.slice(0, 3).map((w) => `${w.line === null ? w.file : `${w.file}:${w.line}`} ${fmtUs(w.cpuUs)}`)
    out.push(
      `    ${c.cyan('main thread waiting')} ${fmtUs(waited)} (${fmtUs(b.waiting.idleUs)} event loop, ${fmtUs(b.waiting.blockedUs)} blocked)` +
        (what.length ? `; workers meanwhile: ${what.join(', ')}` : ''),
    )
  }
  return out
}

/**
 * Processes that are not Node: CPU from the OS, exact (no ±), on no line. Under 1 ms is a long-lived
 * process's idle tail spread over the window by interpolation (native.ts): counted in the rest row.
 */
function nativeRows(c: Colors, b: JsonBucket, top: number, W: number): string[] {
  const out: string[] = []
  const all = b.native ?? []
  const shown = all.filter((n) => n.cpuUs >= 1000).slice(0, top)
  for (const n of shown) {
    const head = `    ${pad(`${(n.share * 100).toFixed(1)}%`, SHARE_W)}${lpad(fmtUs(n.cpuUs), SELF_W)}${lpad('-', TOTAL_W)}${lpad('0/100', SPLIT_W)}  `
    const tail = ' (CPU from the OS, no lines)'
    // The command's arguments give way, not its program nor what says that this row has no lines.
    const room = Math.max(n.name.split(' ').slice(0, 3).join(' ').length + 2, W - visible(head) - tail.length)
    out.push(`${head}${c.magenta(n.name.length > room ? n.name.slice(0, room - 1) + '…' : n.name)}${c.dim(tail)}`)
  }
  const rest = all.filter((n) => !shown.includes(n))
  const restUs = rest.reduce((s, n) => s + n.cpuUs, 0)
  if (rest.length && restUs >= SHOWN_US) out.push(restRow(c, restUs, `in ${rest.length} more processes that are not Node`))
  return out
}

/** Room a grouped row's functions need beside it; with less, they go on the line below it. */
const GROUP_TEXT_MIN = 24

function lineRow(c: Colors, l: JsonLine, W: number): string[] {
  const shareText = l.share.inconclusive ? c.yellow(`inconclusive`) : fmtShare(l.share)
  const split = l.cpuUs > 0 ? `${Math.round((l.mainUs / l.cpuUs) * 100)}/${Math.round((l.workersUs / l.cpuUs) * 100)}` : '-'
  const grouped = l.groupFunctions !== null
  const where = grouped ? l.file : l.line === null ? c.dim(l.file) : `${l.file}:${l.line}`
  const level = l.level === 'none' ? c.yellow(' (no line from V8)') : l.level === 'function' && !grouped && l.line !== null ? c.yellow(' (function-level)') : ''
  // Line samples are fractional (a node's samples split by its line histogram): round down, so a line shown
  // as inconclusive never shows the floor itself (19.6 samples is below a floor of 20).
  const samples = l.share.inconclusive ? c.dim(` [${Math.floor(l.share.samples)} samples]`) : ''
  const total = l.functionTotalUs === null ? '-' : fmtUs(l.functionTotalUs)
  const head = `    ${pad(shareText, SHARE_W)}${lpad(fmtUs(l.cpuUs), SELF_W)}${lpad(total, TOTAL_W)}${lpad(split, SPLIT_W)}  ${where}${level}${samples}`
  const room = W - visible(head) - 3
  const text = grouped ? groupText(l) : l.source ?? (l.line === null || l.level === 'none' ? l.function : '')
  const clip = (t: string, n: number) => c.dim(t.length > n ? t.slice(0, n - 1) + '…' : t)
  // A group's functions are what make its row read as the group: too little room beside it, then below it.
  // (under the figures, where a row's words start: `in N more lines`)
  if (grouped && text && room < GROUP_TEXT_MIN) return [head, `    ${' '.repeat(SHARE_W)}${clip(text, W - 4 - SHARE_W)}`]
  return [text && room > 8 ? `${head}  ${clip(text, room)}` : head]
}

/** A grouped row's heaviest functions, each with its own share of the test (`parse 4.3% ±0.9`). */
function groupText(l: JsonLine): string {
  const fns = l.groupFunctions ?? []
  // A group of one function named as the group ((gc), (program)) has nothing to add.
  if (!fns.length || (fns.length === 1 && (fns[0]!.name === l.file || l.file === '(gc)' || l.file === '(program)'))) return ''
  return 'top: ' + fns.map((f) => `${f.name} ${f.share.inconclusive ? `${fmtUs(f.cpuUs)} [${Math.floor(f.share.samples)} samples]` : fmtShare(f.share)}`).join(', ')
}
