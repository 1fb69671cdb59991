/**
 * The gate's outputs, siblings behind one small interface (as report/renderer.ts's are): the terminal text, the
 * markdown table for `$GITHUB_STEP_SUMMARY` (and for a terminal that wants the table), and GitHub's workflow
 * commands (an error annotation at each regression's hottest line). Pure: each turns a GateResult into text;
 * where it goes (stdout, stderr, the summary file) is the caller's.
 *
 * What every output says of a regression: the test, by how much (ms and %), against what (the baseline's median
 * and spread, the tolerance), whether it was re-run and what each re-run measured, and which lines gained the
 * time (main vs. workers), or the command that would show them. Of an improvement: the ratchet command. Of the
 * machine's load (calibration.ts), once: what the probe measured and what the gate did with it.
 */
import * as path from 'node:path'
import pc from 'picocolors'
import { UPDATE_BASELINE_COMMAND } from './baseline.js'
import { ARITHMETIC_NOISE, CALIBRATION_CAP, MEMORY_NOISE, testLoad, type LoadModel, type TestLoad } from './calibration.js'
import { formatPercent, formatTolerance, GATE_STATUSES, median, type Figure, type GateResult, type GateStatus, type GateTest, type LineDiff } from './gate.js'
import { parseLineKey } from './line-key.js'
import { formatMs } from './parse.js'

export interface GateRenderContext {
  color: boolean
  /** Terminal columns. */
  width: number
  /** The project root relative to the repository root ('' when they are the same), for annotation paths. */
  rootDir: string
}

export interface GateRenderer {
  name: 'text' | 'markdown' | 'github'
  render(result: GateResult, ctx: GateRenderContext): string
}

export const GATE_RENDERERS: readonly GateRenderer[] = [
  { name: 'text', render: (r, ctx) => formatGateText(r, ctx) },
  { name: 'markdown', render: (r) => formatGateMarkdown(r) },
  { name: 'github', render: (r, ctx) => githubAnnotations(r, ctx.rootDir) },
]

// ---------------------------------------------------------------------------------------------------------
// Shared wording

// The order tests are listed in: what fails first, what is merely news last.
const ORDER: Record<GateStatus, number> = Object.fromEntries(GATE_STATUSES.map((s, i) => [s, i])) as Record<GateStatus, number>
const listed = (r: GateResult) =>
  r.tests
    .filter((t) => t.status !== 'ok' || t.reruns.length > 0 || t.rerunsMissing > 0)
    .sort((a, b) => ORDER[a.status] - ORDER[b.status] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))

/** '20 ms' for a whole number (the summary repeats the option as the user set it). */
const formatFloor = (ms: number) => (Number.isInteger(ms) ? `${ms} ms` : formatMs(ms))

/** The summary line: `gate: N regressed, M improved, K new, J gone, L ok (tolerance 25%, floor 20 ms)`. */
export function gateSummaryLine(r: GateResult): string {
  const c = r.counts
  const inconclusive = c.inconclusive > 0 ? `, ${c.inconclusive} inconclusive` : ''
  return `gate: ${c.regressed} regressed, ${c.improved} improved, ${c.new} new, ${c.gone} gone, ${c.ok} ok${inconclusive} (tolerance ${formatTolerance(r.options.tolerance)}, floor ${formatFloor(r.options.floorMs)})`
}

const threeDigits = (x: number) => (Math.abs(x) >= 99.95 ? String(Math.round(x)) : x.toPrecision(3))

/** Several figures in one unit: '412, 405, 420 ms' (seconds when the largest reads better so). */
export function formatMsList(values: readonly number[]): string {
  const seconds = Math.max(...values.map(Math.abs)) >= 999.5
  return `${values.map((v) => (v === 0 ? '0' : threeDigits(seconds ? v / 1000 : v))).join(', ')} ${seconds ? 's' : 'ms'}`
}

/** '790–810 ms'. */
const range = (min: number, max: number) => formatMsList([min, max]).replace(', ', '–')

const signedMs = (ms: number) => (ms > 0 ? `+${formatMs(ms)}` : ms < 0 ? `−${formatMs(-ms)}` : '±0 ms')
const signedPct = (ratio: number) => (ratio > 0 ? `+${formatPercent(ratio)}` : ratio < 0 ? `−${formatPercent(-ratio)}` : '±0%')

function change(t: GateTest): string {
  if (t.deltaMs === null) return ''
  return t.deltaRatio === null ? signedMs(t.deltaMs) : `${signedMs(t.deltaMs)} (${signedPct(t.deltaRatio)})`
}

function baselineText(t: GateTest): string {
  const b = t.baseline!
  return b.runs.length === 1
    ? `baseline ${formatMs(b.medianMs)} (1 run)`
    : `baseline median ${formatMs(b.medianMs)} (${range(b.minMs, b.maxMs)}, ${b.runs.length} runs)`
}

/** The baseline's spread in a few words, after a reason that already named its median. */
function spreadText(t: GateTest): string {
  const b = t.baseline!
  return b.runs.length === 1 ? 'the baseline has 1 run' : `the baseline's ${b.runs.length} runs: ${range(b.minMs, b.maxMs)}`
}

/** Where the CPU ran, baseline (medians of its runs) → now: the test's own thread vs. its workers and processes. */
function whereText(t: GateTest): string {
  const b = t.baseline!
  const c = t.current!
  const main = median(b.runs.map((r) => r.mainMs))
  const workers = median(b.runs.map((r) => r.workersMs))
  return `test thread ${formatMs(main)} → ${formatMs(c.mainMs)}, workers ${formatMs(workers)} → ${formatMs(c.workersMs)}`
}

const bounded = (f: Figure) => `${formatMs(f.cpuMs)}${f.boundMs > 0 ? ` ± ${formatMs(f.boundMs)}` : ''}`

/** 'this run 420 ms, then re-ran 3 times: 412, 405, 420 ms; median 412 ms' (and the re-runs that missed it). */
function rerunText(t: GateTest): string {
  const times = t.reruns.length + t.rerunsMissing
  const ran = `this run ${formatMs(t.first!.cpuMs)}, then re-ran ${times} time${times === 1 ? '' : 's'}`
  if (t.reruns.length === 0) return `${ran}: not measured, so this run's figure stands`
  const missing = t.rerunsMissing > 0 ? ` (${t.rerunsMissing} did not measure it)` : ''
  return `${ran}${missing}: ${formatMsList(t.reruns.map((f) => f.cpuMs))}; median ${formatMs(t.current!.cpuMs)}`
}

function rerunNote(r: GateResult): string | null {
  if (!r.rerun || r.rerun.keys.length === 0) return null
  const n = r.rerun.keys.length
  return `re-ran ${n} test${n === 1 ? '' : 's'} ${r.rerun.times} time${r.rerun.times === 1 ? '' : 's'}, judged on the median of the re-runs (not the first run)`
}

/** '1.31x'. */
export const formatFactor = (f: number) => `${f.toFixed(2)}x`

/**
 * The machine's load as the probe measured it, and what the gate did with it (`applied`: the tests' scaling),
 * in one sentence: for this run, and for its re-runs (`when`).
 */
export function loadSentence(m: LoadModel, applied: readonly (TestLoad | null)[], when: 'this run' | 'the re-runs' = 'this run'): string {
  const prefix = when === 'this run' ? 'load' : 'load during the re-runs'
  const ratchet = `to record one, ratchet the baseline: ${UPDATE_BASELINE_COMMAND}`
  const probe = () => `calibration probe: arithmetic ${formatFactor(m.arithmetic!)}, memory ${formatFactor(m.memory!)}`
  switch (m.status) {
    case 'none':
      return `${prefix}: the baseline has no calibration (made by an older vitest-profiler), so figures are compared as they are, whatever the machine's load; ${ratchet}`
    case 'invalid':
      return `${prefix}: the baseline's calibration cannot be used (${m.detail}), so figures are compared as they are; ${ratchet}`
    case 'incomparable':
      return `${prefix}: the baseline's calibration does not compare with this one (${m.detail}), so figures are compared as they are; ${ratchet}`
    case 'unavailable':
      return `${prefix}: the calibration probe failed (${m.detail}), so figures are compared as they are`
    case 'steady':
      return `${prefix}: machine as fast as at the baseline (${probe()}): figures compared as they are`
  }
  const a = m.arithmetic!
  const mem = m.memory!
  const slower = [a > 1 + ARITHMETIC_NOISE ? 'arithmetic' : '', mem > 1 + MEMORY_NOISE ? 'memory work' : ''].filter(Boolean)
  const faster = [a < 1 - ARITHMETIC_NOISE ? 'arithmetic' : '', mem < 1 - MEMORY_NOISE ? 'memory work' : ''].filter(Boolean)
  // "in memory work" when only that part moved: a machine is not simply slower when its arithmetic is not.
  const only = (parts: string[]) => (parts.length === 1 ? ` in ${parts[0]}` : '')
  const speed = slower.length ? `${formatFactor(Math.max(a, mem))} slower${only(slower)}` : `${formatFactor(1 / Math.min(a, mem))} faster${only(faster)}`
  // Factors as they are printed: one that rounds to 1.00 scaled nothing worth saying.
  const factors = applied.filter((t): t is TestLoad => !!t).map((t) => Number(t.regress.toFixed(2)))
  const up = factors.filter((f) => f > 1)
  const down = factors.filter((f) => f < 1)
  const range = (fs: number[]) => (Math.min(...fs) === Math.max(...fs) ? `by ${formatFactor(fs[0]!)}` : `${formatFactor(Math.min(...fs))} to ${formatFactor(Math.max(...fs))}`)
  const capped = applied.filter((t) => t?.capped).length
  const parts: string[] = []
  if (up.length) parts.push(`baseline figures scaled up for regressions ${range(up)}${up.length > 1 && Math.min(...up) !== Math.max(...up) ? " per test, by its share of work on V8's background threads" : ''}`)
  else if (slower.length && !down.length) parts.push('figures compared as they are: no test leans on what slowed down')
  if (down.length) parts.push(`baseline figures scaled down for regressions ${range(down)}, on the share of each test that runs like the arithmetic part`)
  if (faster.length) parts.push('improvements must beat the baseline scaled down')
  if (capped > 0) parts.push(`${capped} test${capped === 1 ? '' : 's'} would need more than ${formatFactor(CALIBRATION_CAP)}: too loaded to judge, inconclusive rather than regressed`)
  return `${prefix}: machine ${speed} than at the baseline (${probe()})${parts.length ? `: ${parts.join('; ')}` : ''}`
}

/** The load sentences of a result: this run's, then the re-runs' (when they were re-run and measured). */
function loadSentences(r: GateResult): string[] {
  if (!r.calibration) return []
  const judged = r.tests.filter((t) => t.baseline && t.first)
  // This run's factors for every test it judged (a re-run test's own `load` is now the re-runs').
  const out = [loadSentence(r.calibration.run, judged.map((t) => testLoad(r.calibration!.run, t.baseline!.runs)))]
  const rerun = new Set(r.rerun?.keys ?? [])
  if (r.calibration.reruns) out.push(loadSentence(r.calibration.reruns, judged.filter((t) => rerun.has(t.key)).map((t) => t.load), 'the re-runs'))
  return out
}

const ratchet = (r: GateResult) => (r.counts.improved > 0 ? `to keep the improvement${r.counts.improved === 1 ? '' : 's'}, ratchet the baseline: ${UPDATE_BASELINE_COMMAND}` : null)

const side = (s: LineDiff['baseline']) => (s ? formatMs(s.selfMs) : '—')
const split = (s: LineDiff['baseline']) => (s ? `${formatMs(s.mainMs)} / ${formatMs(s.workersMs)}` : '—')

// Long diffs hide the lines that matter: the gainers come first, so the head is the story.
const MAX_LINES = 8

// ---------------------------------------------------------------------------------------------------------
// Terminal text

const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length
function cut(s: string, width: number): string {
  if (visible(s) <= width) return s
  const plain = s.replace(/\x1b\[[0-9;]*m/g, '')
  return plain.slice(0, Math.max(0, width - 1)) + '…'
}
/** From the middle: the project and file at the start and the test's own name at the end tell tests apart. */
function ellipsizeMiddle(s: string, n: number): string {
  if (s.length <= n) return s
  if (n <= 1) return '…'
  const head = Math.floor((n - 1) * 0.4)
  return s.slice(0, head) + '…' + s.slice(s.length - (n - 1 - head))
}
const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - visible(s)))
const lpad = (s: string, n: number) => ' '.repeat(Math.max(0, n - visible(s))) + s

const MARK: Record<GateStatus, string> = { regressed: '✗', inconclusive: '?', improved: '↓', new: '+', gone: '−', ok: '✓' }

/** Words to lines of at most `width`, each line starting with `indent` (a word longer than a line is cut). */
function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = []
  let lineText = ''
  for (const word of text.split(' ')) {
    if (lineText && indent.length + lineText.length + 1 + word.length > width) {
      out.push(indent + lineText)
      lineText = word
    } else lineText = lineText ? `${lineText} ${word}` : word
  }
  if (lineText || out.length === 0) out.push(indent + lineText)
  return out.map((l) => cut(l, width))
}

/** The short figures after a test's name: the change, and from → to. */
function headline(t: GateTest): string {
  switch (t.status) {
    case 'new':
      return `${formatMs(t.current!.cpuMs)}, not in the baseline`
    case 'gone':
      return `not in this run (baseline ${formatMs(t.baseline!.medianMs)})`
    default:
      return `${change(t)}: ${formatMs(t.baseline!.medianMs)} → ${formatMs(t.current!.cpuMs)}`
  }
}

export function formatGateText(result: GateResult, ctx: Pick<GateRenderContext, 'color' | 'width'>): string {
  const c = pc.createColors(ctx.color)
  const W = Math.max(60, Math.min(ctx.width || 100, 200))
  const out: string[] = []
  const push = (s: string) => out.push(cut(s, W))
  // Sentences wrap rather than lose their end (a hint's command is at its end).
  const say = (s: string, indent = '    ', paint: (s: string) => string = (x) => x) => out.push(...wrap(s, W, indent).map(paint))
  const paint: Record<GateStatus, (s: string) => string> = { regressed: c.red, inconclusive: c.yellow, improved: c.green, new: c.cyan, gone: c.dim, ok: c.green }
  if (result.machineWarning) say(`warning: ${result.machineWarning}`, '', c.yellow)
  const [runLoad, rerunLoad] = loadSentences(result)
  if (runLoad) say(runLoad, '', c.dim)
  for (const t of listed(result)) {
    const head = pad(`${MARK[t.status]} ${t.status}`, 15)
    const tail = headline(t)
    // The figures are what the line is for: the name gives way first (from its middle), to 30 columns at least.
    const room = Math.max(30, W - 15 - tail.length - 2)
    push(`${paint[t.status](head)}${ellipsizeMiddle(t.key, room)}  ${tail}`)
    if (t.renamedFrom) say(`renamed from ${t.renamedFrom}?`, '    ', c.dim)
    if (t.renamedTo) say(`renamed to ${t.renamedTo}?`, '    ', c.dim)
    if (t.status === 'regressed' || t.status === 'inconclusive') say(`${t.reason}; ${spreadText(t)}`, '    ', c.dim)
    if (t.reruns.length > 0 || t.rerunsMissing > 0) say(rerunText(t))
    if (t.status !== 'regressed') continue
    say(`where: ${whereText(t)}`)
    if (t.lines) {
      const rows = t.lines.slice(0, MAX_LINES)
      const lw = Math.min(Math.max(4, ...rows.map((l) => l.line.length)), Math.max(20, W - 62))
      push(c.dim(`    ${pad('line', lw)}  ${lpad('baseline', 9)}  ${lpad('now', 9)}  ${lpad('change', 10)}  main / workers: baseline → now`))
      for (const l of rows) {
        const delta = signedMs(l.deltaMs)
        push(`    ${pad(ellipsizeMiddle(l.line, lw), lw)}  ${lpad(side(l.baseline), 9)}  ${lpad(side(l.current), 9)}  ${lpad(l.deltaMs > 0 ? c.red(delta) : delta, 10)}  ${split(l.baseline)} → ${split(l.current)}`)
      }
      if (t.lines.length > rows.length) push(c.dim(`    … ${t.lines.length - rows.length} more line${t.lines.length - rows.length === 1 ? '' : 's'}`))
    } else if (t.linesHint) say(t.linesHint, '    ', c.dim)
  }
  const note = rerunNote(result)
  if (note) say(note, '')
  if (rerunLoad) say(rerunLoad, '', c.dim)
  const summary = gateSummaryLine(result)
  say(summary, '', result.counts.regressed > 0 ? (x) => c.bold(c.red(x)) : c.bold)
  const r = ratchet(result)
  if (r) say(r, '', c.green)
  return out.join('\n')
}

// ---------------------------------------------------------------------------------------------------------
// Markdown (GitHub's step summary)

/** A table cell's text: `|` would end the cell (also inside a code span, in GitHub's tables), newlines the row. */
const cell = (s: string) => s.replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\\|')
/** A code span that survives backticks in the text (a longer fence, padded). */
function code(s: string): string {
  const runs = s.match(/`+/g)
  if (!runs) return `\`${s}\``
  const fence = '`'.repeat(Math.max(...runs.map((r) => r.length)) + 1)
  return `${fence} ${s} ${fence}`
}

const EMOJI: Record<GateStatus, string> = { regressed: '❌', inconclusive: '⚠️', improved: '🟢', new: '🆕', gone: '➖', ok: '✅' }

const sentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.?!]$/.test(s) ? '' : '.'}`

export function formatGateMarkdown(result: GateResult): string {
  const out: string[] = ['### vitest-profiler regression gate', '']
  const summary = gateSummaryLine(result).replace(/^gate: /, '')
  out.push(result.counts.regressed > 0 ? `**${summary}**` : summary, '')
  if (result.machineWarning) out.push(`> ⚠️ ${cell(result.machineWarning)}`, '')
  for (const l of loadSentences(result)) out.push(`> ${cell(sentence(l))}`, '')
  const rows = listed(result)
  if (rows.length > 0) {
    out.push('| Status | Test | Baseline median (min–max) | This run | Change | Tolerance |', '| --- | --- | ---: | ---: | ---: | ---: |')
    for (const t of rows) {
      const b = t.baseline
      const base = b ? (b.runs.length === 1 ? `${formatMs(b.medianMs)} (1 run)` : `${formatMs(b.medianMs)} (${range(b.minMs, b.maxMs)})`) : '—'
      let now = t.current ? bounded(t.current) : '—'
      if (t.reruns.length > 0) now += ` (median of re-runs ${formatMsList(t.reruns.map((f) => f.cpuMs))})`
      const rename = t.renamedFrom ? ` (renamed from ${code(t.renamedFrom)}?)` : t.renamedTo ? ` (renamed to ${code(t.renamedTo)}?)` : ''
      const scaled = t.load && t.load.regress.toFixed(2) !== '1.00' ? ` (baseline ×${t.load.regress.toFixed(2)} for load)` : ''
      const tol = t.baseline && t.current ? `${formatTolerance(t.tolerance)}${scaled}` : ''
      out.push(`| ${EMOJI[t.status]} ${t.status} | ${cell(code(t.key) + rename)} | ${cell(base)} | ${cell(now)} | ${cell(change(t))} | ${tol} |`)
    }
    out.push('')
  } else out.push(`All ${result.tests.length} tests are within their baselines.`, '')
  for (const t of rows) {
    if (t.status !== 'regressed') continue
    out.push(`#### Where the time went: ${cell(code(t.key))}`, '', sentence(whereText(t)), '')
    if (t.lines) {
      out.push('| Line | Baseline | This run | Change | Main / workers: baseline → this run |', '| --- | ---: | ---: | ---: | --- |')
      for (const l of t.lines.slice(0, MAX_LINES)) out.push(`| ${cell(code(l.line))} | ${side(l.baseline)} | ${side(l.current)} | ${signedMs(l.deltaMs)} | ${split(l.baseline)} → ${split(l.current)} |`)
      if (t.lines.length > MAX_LINES) out.push('', `… ${t.lines.length - MAX_LINES} more lines`)
    } else if (t.linesHint) out.push(sentence(t.linesHint).replace(/(npx vitest-profile run(?: --update-baseline)?)/g, '`$1`'))
    out.push('')
  }
  const note = rerunNote(result)
  if (note) out.push(sentence(note), '')
  if (result.counts.improved > 0) out.push(sentence(ratchet(result)!).replace(UPDATE_BASELINE_COMMAND, `\`${UPDATE_BASELINE_COMMAND}\``), '')
  return out.join('\n')
}

// ---------------------------------------------------------------------------------------------------------
// GitHub workflow commands

/**
 * GitHub's escaping of a command's message (actions/toolkit's escapeData): `%` first, so that the escapes
 * that follow are not escaped again; a raw line break would end the command.
 */
export const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
/** A property value (file=, title=) also escapes `:` (ends the properties) and `,` (separates them). */
export const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C')

/**
 * Where a regression's annotation goes: the line that gained the most CPU in the per-line diff; without a diff,
 * this run's hottest line; null when there is neither (the annotation then goes on the test file). Line keys
 * that are not relative source paths (a library group) are passed over.
 */
export function hottestLine(t: GateTest): { file: string; line: number } | null {
  const candidates = [...(t.lines ?? []).filter((l) => l.deltaMs > 0).map((l) => l.line), ...[...(t.topLines ?? [])].sort((a, b) => b.selfMs - a.selfMs).map((l) => l.line)]
  for (const key of candidates) {
    const at = parseLineKey(key)
    if (at) return at
  }
  return null
}

/** A project-relative path as GitHub wants it, relative to the repository root; null when it is outside. */
function repoPath(rootDir: string, file: string): string | null {
  const p = path.posix.normalize(path.posix.join(rootDir.replace(/\\/g, '/'), file.replace(/\\/g, '/')))
  return p.startsWith('../') || p === '..' || path.posix.isAbsolute(p) ? null : p
}

function command(kind: 'error' | 'warning' | 'notice', props: [string, string | number][], message: string): string {
  const list = props.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',')
  return `::${kind}${list ? ` ${list}` : ''}::${escapeData(message)}`
}

/**
 * The workflow commands of a gate run, one per line (empty when there is nothing to say): `::error` at each
 * regression's hottest line (else at its test file, line 1) with the figures and the top of its line diff;
 * `::warning` for an inconclusive test and for a baseline from another machine; one `::notice` for the
 * improvements with the ratchet command. `rootDir`: the project root relative to the repository root.
 */
export function githubAnnotations(result: GateResult, rootDir: string): string {
  const out: string[] = []
  if (result.machineWarning) out.push(command('warning', [['title', 'vitest-profiler: baseline from another machine']], result.machineWarning))
  for (const t of listed(result)) {
    if (t.status !== 'regressed' && t.status !== 'inconclusive') continue
    const testFile = repoPath(rootDir, t.file)
    const hot = t.status === 'regressed' ? hottestLine(t) : null
    const hotFile = hot ? repoPath(rootDir, hot.file) : null
    const props: [string, string | number][] = []
    if (hot && hotFile) props.push(['file', hotFile], ['line', hot.line])
    else if (testFile) props.push(['file', testFile], ['line', 1])
    const lines = [`${t.key}: CPU ${bounded(t.current!)} vs ${baselineText(t)}: ${change(t)}, tolerance ${formatTolerance(t.tolerance)}`, t.reason]
    if (t.reruns.length > 0 || t.rerunsMissing > 0) lines.push(rerunText(t))
    if (t.status === 'regressed') {
      lines.push(`where: ${whereText(t)}`)
      if (t.lines) for (const l of t.lines.slice(0, 3)) lines.push(`${l.line}: ${side(l.baseline)} → ${side(l.current)} (${signedMs(l.deltaMs)}; main / workers ${split(l.baseline)} → ${split(l.current)})`)
      else if (t.linesHint) lines.push(t.linesHint)
    }
    props.push(['title', `${t.status === 'regressed' ? 'CPU regression' : 'CPU regression inconclusive'}: ${t.key}`])
    out.push(command(t.status === 'regressed' ? 'error' : 'warning', props, lines.join('\n')))
  }
  if (result.counts.improved > 0) {
    const names = result.tests.filter((t) => t.status === 'improved').map((t) => `${t.key}: ${change(t)}`)
    out.push(command('notice', [['title', `vitest-profiler: ${result.counts.improved} test${result.counts.improved === 1 ? '' : 's'} faster than the baseline`]], [...names, ratchet(result)!].join('\n')))
  }
  return out.map((l) => l + '\n').join('')
}
