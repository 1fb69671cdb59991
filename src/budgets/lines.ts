/**
 * Line and function budgets, judged in the main process after the run from the attributed samples of each
 * test attempt's window (the test's own thread could not: its samples are still being written when it ends,
 * and its workers' are in other threads' spools). Pure: no file system, no vitest; node:path and node:url only
 * to compare paths.
 *
 * The figures (DESIGN.md "Budget semantics"):
 * - `lines: { 'src/parse.ts:42': <limit> }`: the line's SELF CPU in the window, over every thread and process
 *   of the test (its own thread and its workers). A duration compares it in ms; a share '20%' compares it to the
 *   test's CPU (every thread and process, processes that are not Node included).
 * - `functions: { parseRow: <limit> }`: the TOTAL (inclusive) CPU of every function of that name, the same way.
 *   Functions of the same name in different files add up (a module loaded by vite in the test's thread and
 *   natively in a worker is two functions to V8).
 * - Each figure rests on its own samples: below `minSamples` (the budget's own, else the plugin's, default 20)
 *   it is inconclusive, a warning; a failure only under `strict`. Otherwise its 95% bound (Wilson on Kish's
 *   effective n, attribution/stats.ts) decides: wholly over the limit → fail, straddling it → inconclusive
 *   (fail under `strict`), wholly under → pass.
 *
 * Line keys are relative to the root of the test's project, as checked when the test ran (source-lines.ts);
 * attributed lines carry the URL of their original source (after source maps). Both become absolute paths and
 * are compared so; a line whose URL is not a file falls back to its display path (relative to vitest's root).
 * Only lines V8 placed exactly count (level 'line'): a 'function'-level line is the function's declaration
 * standing for lines the source map could not place, and a 'none' line is no line at all.
 */
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { wilson } from '../attribution/stats.js'
import type { AttemptRecord } from './attempt.js'
import { overall, type Verdict } from './evaluate.js'
import { formatMs, type Limit } from './parse.js'

export type Limits = NonNullable<AttemptRecord['limits']>

/** An attributed line of one window (attribution/tally.ts LineStat has these fields). */
export interface SampledLine {
  url: string
  /** Display path (relative to vitest's root for files under it), or a library group. */
  file: string
  line: number | null
  level: string
  cpuUs: number
  mainUs: number
  workersUs: number
  samples: number
}

/** An attributed function of one window (attribution/tally.ts FunctionStat has these fields). */
export interface SampledFunction {
  functionName: string
  file: string
  line: number | null
  totalUs: number
  totalSamples: number
  totalMainUs: number
  totalWorkersUs: number
}

/** What one window's attribution says. */
export interface WindowFigures {
  /**
   * Clock CPU (us) of the window's profiled threads: what the samples split, so the base of every bound
   * (a figure's CPU is this times its sampled share).
   */
  sampledUs: number
  /** The test's CPU (us): sampledUs plus the CPU of processes that are not Node (exact, on no line). Shares' base. */
  totalUs: number
  /** Kish's effective sample size of the window's on-CPU samples. */
  nEff: number
  lines: readonly SampledLine[]
  functions: readonly SampledFunction[]
}

export interface JudgeContext {
  /** vitest's root: what display paths are relative to. */
  rootDir: string
  /** The root of the test's project (line keys are relative to it); default rootDir. */
  projectRoot?: string
  /** The plugin's minSamples, for budgets without their own. */
  minSamples: number
}

/** One line or function budget's verdict in one attempt. */
export interface SampledCheck {
  /** 'lines.src/parse.ts:42' or 'functions.parseRow': the key of the test thread's `pending`. */
  key: string
  kind: 'line' | 'function'
  /** The line key as written, or the function name. */
  target: string
  limit: Limit
  /** The line's self CPU / the functions' total CPU in the window, all threads (us), with its 95% bounds. */
  cpuUs: number
  lowUs: number
  highUs: number
  mainUs: number
  workersUs: number
  /** Of the test's CPU, 0..1, with its 95% bounds. */
  share: number
  shareLow: number
  shareHigh: number
  samples: number
  minSamples: number
  strict: boolean
  verdict: Verdict
  /** Why it is not a plain pass or fail: 'samples' (fewer than minSamples), 'bound' (the bound straddles the limit). */
  reason: 'samples' | 'bound' | null
  /** The attributed lines or functions the figure sums ('src/parse.ts:42', 'parseRow (src/parse.ts:10)'). */
  matched: string[]
}

/** The absolute path of a file URL or path; null for anything else (node:, native, library groups). */
function absolute(urlOrPath: string): string | null {
  if (urlOrPath.startsWith('file:')) {
    try {
      return path.normalize(fileURLToPath(urlOrPath))
    } catch {
      return null
    }
  }
  return path.isAbsolute(urlOrPath) ? path.normalize(urlOrPath) : null
}

const samePath = (a: string, b: string) => (process.platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b)

/** Does an attributed line stand for the budget's 'file:line'? Both sides normalised (see the module comment). */
export function lineMatches(l: SampledLine, key: { file: string; line: number }, ctx: Pick<JudgeContext, 'rootDir' | 'projectRoot'>): boolean {
  if (l.level !== 'line' || l.line !== key.line) return false
  const want = path.resolve(ctx.projectRoot ?? ctx.rootDir, key.file)
  const have = (l.url && absolute(l.url)) || absolute(l.file) || (l.url === '' || !l.url.includes(':') ? path.resolve(ctx.rootDir, l.file) : null)
  if (have !== null) return samePath(have, want)
  return l.file.replace(/\\/g, '/') === key.file
}

interface Figure {
  cpuUs: number
  mainUs: number
  workersUs: number
  samples: number
  matched: string[]
}

function judgeFigure(
  kind: 'line' | 'function',
  target: string,
  limit: Limit,
  fig: Figure,
  f: WindowFigures,
  minSamples: number,
  strict: boolean,
): SampledCheck {
  const p = f.sampledUs > 0 ? Math.min(1, fig.cpuUs / f.sampledUs) : 0
  const { low, high } = wilson(p, f.nEff)
  // The bound is the sampled CPU's (native processes are exact); a share is then of the whole test's CPU.
  const lowUs = Math.min(fig.cpuUs, low * f.sampledUs)
  const highUs = Math.max(fig.cpuUs, high * f.sampledUs)
  const total = f.totalUs > 0 ? f.totalUs : f.sampledUs
  const ofTotal = (us: number) => (total > 0 ? us / total : 0)
  const [lo, hi, max] = limit.kind === 'ms' ? [lowUs / 1000, highUs / 1000, limit.ms] : [ofTotal(lowUs), ofTotal(highUs), limit.share]
  let verdict: Verdict = 'pass'
  let reason: SampledCheck['reason'] = null
  if (fig.samples < minSamples) {
    verdict = strict ? 'fail' : 'inconclusive'
    reason = 'samples'
  } else if (lo > max) verdict = 'fail'
  else if (hi > max) {
    verdict = strict ? 'fail' : 'inconclusive'
    reason = 'bound'
  }
  return {
    key: `${kind === 'line' ? 'lines' : 'functions'}.${target}`,
    kind,
    target,
    limit,
    cpuUs: fig.cpuUs,
    lowUs,
    highUs,
    mainUs: fig.mainUs,
    workersUs: fig.workersUs,
    share: ofTotal(fig.cpuUs),
    shareLow: ofTotal(lowUs),
    shareHigh: ofTotal(highUs),
    samples: fig.samples,
    minSamples,
    strict,
    verdict,
    reason,
    matched: fig.matched,
  }
}

/** Every line and function budget of one attempt, judged on that attempt's window. */
export function judgeSampled(limits: Limits, f: WindowFigures, ctx: JudgeContext): SampledCheck[] {
  const minSamples = limits.minSamples ?? ctx.minSamples
  const checks: SampledCheck[] = []
  for (const l of limits.lines) {
    const fig: Figure = { cpuUs: 0, mainUs: 0, workersUs: 0, samples: 0, matched: [] }
    for (const s of f.lines) {
      if (!lineMatches(s, l, ctx)) continue
      fig.cpuUs += s.cpuUs
      fig.mainUs += s.mainUs
      fig.workersUs += s.workersUs
      fig.samples += s.samples
      const where = `${s.file}:${s.line}`
      if (!fig.matched.includes(where)) fig.matched.push(where)
    }
    checks.push(judgeFigure('line', l.key, l.limit, fig, f, minSamples, limits.strict))
  }
  for (const fn of limits.functions) {
    const fig: Figure = { cpuUs: 0, mainUs: 0, workersUs: 0, samples: 0, matched: [] }
    for (const s of f.functions) {
      if (s.functionName !== fn.name) continue
      fig.cpuUs += s.totalUs
      fig.mainUs += s.totalMainUs
      fig.workersUs += s.totalWorkersUs
      fig.samples += s.totalSamples
      fig.matched.push(`${s.functionName} (${s.line === null ? s.file : `${s.file}:${s.line}`})`)
    }
    checks.push(judgeFigure('function', fn.name, fn.limit, fig, f, minSamples, limits.strict))
  }
  return checks
}

/** The attempt's verdict over all its budgets: the test thread's, with the line/function verdicts folded in. */
export function foldVerdict(threadVerdict: AttemptRecord['verdict'], sampled: readonly SampledCheck[]): AttemptRecord['verdict'] {
  if (threadVerdict === 'invalid') return 'invalid'
  return overall([threadVerdict, ...sampled.map((c) => c.verdict)])
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`

/** '120 ms ± 8.00 ms' or '85.0% ± 4.1%': the figure the limit is of, with the larger side of its bound. */
export function formatFigure(c: SampledCheck): string {
  if (c.limit.kind === 'ms') {
    const half = Math.max(c.highUs - c.cpuUs, c.cpuUs - c.lowUs) / 1000
    return `${formatMs(c.cpuUs / 1000)}${half > 0 ? ` ± ${formatMs(half)}` : ''}`
  }
  const half = Math.max(c.shareHigh - c.share, c.share - c.shareLow)
  return `${pct(c.share)}${half > 0 ? ` ± ${pct(half)}` : ''} (${formatMs(c.cpuUs / 1000)})`
}

export const formatLimit = (l: Limit): string => (l.kind === 'ms' ? formatMs(l.ms) : pct(l.share))

function subject(c: SampledCheck): string {
  const what = c.kind === 'line' ? `self CPU of ${c.target}` : `total CPU of ${c.target}()`
  return c.limit.kind === 'ms' ? what : `${what}, share of the test's CPU`
}

/**
 * A failed check's lines, in the format of evaluate.ts formatBudgetMessage: what was over and by how much,
 * with its bound; then where that line's or function's CPU ran (the test's thread vs its workers).
 */
export function formatSampledFailure(c: SampledCheck): string[] {
  const lines: string[] = []
  const measured = c.limit.kind === 'ms' ? c.cpuUs / 1000 : c.share
  const budget = c.limit.kind === 'ms' ? c.limit.ms : c.limit.share
  const ratio = budget > 0 ? ` (${(measured / budget).toFixed(2)}x)` : ''
  if (c.reason === 'samples') {
    lines.push(
      `${c.key} budget not judged (strict): ${subject(c)} ${formatFigure(c)} rests on ${Math.floor(c.samples)} samples, fewer than minSamples ${c.minSamples}; budget ${formatLimit(c.limit)}`,
    )
  } else if (c.reason === 'bound') {
    lines.push(`${c.key} budget not confirmed (strict): ${subject(c)} ${formatFigure(c)}: its bound straddles the budget ${formatLimit(c.limit)}${ratio}`)
  } else {
    lines.push(`${c.key} budget exceeded: ${subject(c)} ${formatFigure(c)} > budget ${formatLimit(c.limit)}${ratio}`)
  }
  lines.push(
    c.matched.length === 0
      ? `  where the CPU ran: no sample of the test fell on ${c.kind === 'line' ? 'that line' : 'a function of that name'}`
      : `  where the CPU of ${c.kind === 'line' ? 'that line' : 'that function'} ran: test thread ${formatMs(c.mainUs / 1000)}, workers ${formatMs(c.workersUs / 1000)}`,
  )
  return lines
}

/** One line per inconclusive check: '<key> <figure> against <limit>: <why>'. */
export function formatInconclusive(c: SampledCheck): string {
  const why = c.reason === 'samples' ? `${Math.floor(c.samples)} samples, fewer than minSamples ${c.minSamples}` : 'its 95% bound straddles the budget'
  return `${c.key} ${formatFigure(c)} against ${formatLimit(c.limit)} (${why})`
}

/** A line that spent the test's CPU, for the "top lines" of a message. */
export interface TopLine {
  /** 'src/parse.ts:42', or a library group / native label. */
  where: string
  functionName: string
  cpuUs: number
  mainUs: number
  workersUs: number
}

/** The top lines of a test, each with its split between the test's own thread and its workers. */
export function formatTopLines(top: readonly TopLine[]): string[] {
  if (top.length === 0) return ['  top lines: no samples in this test']
  return [
    `  top ${top.length === 1 ? 'line' : `${top.length} lines`} of the test (self CPU):`,
    ...top.map(
      (t) =>
        `    ${t.where}${t.functionName ? ` in ${t.functionName}` : ''}: ${formatMs(t.cpuUs / 1000)} (test thread ${formatMs(t.mainUs / 1000)}, workers ${formatMs(t.workersUs / 1000)})`,
    ),
  ]
}
