/**
 * Format step shared by every renderer: the attribution → the JSON report model (schema.ts). Pure apart from
 * reading source lines through the attribution's SourceMaps (its injected SourceIo).
 */
import type { Attribution, BucketResult } from '../attribution/pipeline.js'
import type { Figure } from '../attribution/stats.js'
import type { FunctionStat, LineStat } from '../attribution/tally.js'
import { attemptOf, fullTestName, testPath } from '../attribution/windows.js'
import { attributable, nativeByBucket, nativeLabel, type NativeShare } from '../attribution/native.js'
import { threadCounts, threadScript, type NativeProcess } from '../attribution/threads.js'
import { REPORT_SCHEMA, REPORT_VERSION, type JsonBucket, type JsonBudget, type JsonBudgetTotals, type JsonLine, type JsonNativeProcess, type JsonReport, type JsonShare } from './schema.js'
import { foldVerdict, formatSampledFailure, formatTopLines, judgeSampled, type SampledCheck } from '../budgets/lines.js'
import { formatBudgetMessage } from '../budgets/evaluate.js'
import type { AttemptRecord } from '../budgets/attempt.js'
import { totals, type BudgetedTest } from '../budgets/summary.js'

export interface ModelOptions {
  /** Lines and functions kept per bucket (the heaviest). */
  maxLines?: number
  /**
   * The root of each project by its name ('' for an unnamed project): `lines` budget keys are relative to it.
   * A project not named here: the run's root.
   */
  projectRoots?: Record<string, string>
  /** The coverage provider when the run had coverage on (its instrumentation moves hot lines: a note says so). */
  coverage?: string
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`)

/** Lines a budget failure's message names (the test's heaviest). */
const TOP_BUDGET_LINES = 3

const round = (n: number) => Math.round(n)
const round4 = (n: number) => Math.round(n * 10000) / 10000

export function buildReport(a: Attribution, options: ModelOptions = {}): JsonReport {
  const max = options.maxLines ?? 50
  const m = a.run.manifest
  const notes: string[] = []
  // User code only: a library's lines are grouped into its package anyway.
  const noLine = [...a.locator.noLineFunctions.values()].filter((f) => f.group === null)
  if (noLine.length) {
    const names = noLine.map((f) => `${f.functionName} (${f.line === null ? f.file : `${f.file}:${f.line}`})`)
    notes.push(
      `no line from V8 for some samples of ${names.slice(0, 8).join(', ')}${names.length > 8 ? ` and ${names.length - 8} more` : ''}: ` +
        'their function is known, the line is not (inlined code V8 did not name, or code its profiler could not place, e.g. a loop optimized before sampling resumed after an idle pause)',
    )
  }
  const clockless = a.threads.filter((t) => !t.timeline.hasClock && t.samples.length)
  if (clockless.length) notes.push(`no CPU clock in ${clockless.map((t) => t.key).join(', ')}: their CPU is estimated from on-CPU sample time`)
  if (a.tests.some((t) => t.ref.kind === 'test' && t.ref.window.sharedWith.length)) {
    notes.push('concurrent tests (test.concurrent) overlap: samples inside overlapping windows are counted in each of them (shared)')
  }
  // A shell that started Node is counted by its Node child (terminal: "started Node, counted there"), not here.
  const unknownNative = a.tree.native.filter((p) => p.cpuUs === null && p.wraps.length === 0)
  if (unknownNative.length) {
    // On Linux a child's CPU is read at its exit: one still running when the thread that started it ended was
    // never read (the note said "no OS reading on this platform" for those too).
    const unseen = unknownNative.filter((p) => p.to === null).length
    const why = [
      ...(unseen ? [`${unseen} still running when the thread that started ${unseen === 1 ? 'it' : 'them'} ended: no exit seen, no reading`] : []),
      ...(unknownNative.length > unseen ? [`${unknownNative.length - unseen} with no OS reading on this platform: only their wall time is known`] : []),
    ]
    notes.push(`CPU unknown for ${unknownNative.length} process(es) that are not Node (${why.join('; ')})`)
  }
  const native = nativeByBucket(a.tree, a.windows)
  const counts = threadCounts(a.tree)
  const tests = a.tests.map((b) => bucket(a, b, max, native.get(b.key) ?? [], options))
  const outside = a.outside.map((b) => bucket(a, b, max, native.get(b.key) ?? [], options))
  const functionLevel = functionLevelNote([...tests, ...outside])
  if (functionLevel) notes.unshift(functionLevel)
  if (options.coverage) {
    notes.push(
      `coverage is on (${options.coverage}): its instrumentation changes the code V8 runs, so CPU rises and hot lines can move (onto the test's own line, seen with v8). For line figures, profile without --coverage`,
    )
  }
  const budgets = budgetTotals(tests)
  if (tests.some((t) => t.budget?.sampled.some((c) => c.kind === 'line' && c.matched.length === 0))) {
    notes.push(
      "a line budget's line got no sample in its test: only lines V8 placed exactly count (not a function's declaration standing for lines the source map could not place)",
    )
  }
  notes.push(
    'V8 records the executing line per profile node and chunk (positionTicks), not per sample: a function\'s samples in a test are split over its lines by that chunk\'s line histogram.',
  )
  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    run: {
      runId: m.runId,
      runDir: a.run.runDir,
      rootDir: a.rootDir,
      vitestVersion: m.vitestVersion,
      nodeVersion: m.nodeVersion,
      intervalUs: m.config.intervalUs,
      startedAt: m.startedAt,
      endedAt: m.endedAt ?? null,
    },
    model: { minSamples: a.options.minSamples, confidence: 0.95, interval: 'wilson-score, kish-effective-n', expandLibraries: a.options.expandLibraries },
    threadsSeen: counts.seen,
    profilesReceived: counts.received,
    endedBeforeRunning: counts.endedBeforeRunning,
    threads: a.threads.map((t) => ({
      key: t.key,
      kind: t.node.kind,
      parent: t.node.parent,
      root: t.node.root,
      ...threadScript(t.node.record),
      cpuClock: t.node.record.start.cpuClock,
      samples: t.samples.length,
      chunks: t.node.record.chunks.length,
      ending: t.node.ending,
      problems: t.node.record.problems,
    })),
    native: a.tree.native.map(nativeProcess),
    missing: a.tree.missing,
    tests,
    outside,
    unattributed: a.unattributed.map((b) => bucket(a, b, max, native.get(b.key) ?? [], options)),
    notes,
    budgets,
  }
}

/** Functions named in the function-level note: the heaviest; the rest are counted. */
const NOTE_FUNCTIONS = 4

/**
 * The functions whose rows are at function level (their source map could not place a generated line), by the
 * CPU on those rows. Said of the functions it is true of, not of whole files: one unmappable line (a
 * `'use strict'`) flagged files whose other lines all map (issue #10.4).
 */
function functionLevelNote(buckets: JsonBucket[]): string | null {
  const byFunction = new Map<string, number>()
  for (const b of buckets) {
    for (const l of b.lines) {
      if (l.level !== 'function' || l.package !== null || l.line === null) continue
      const key = `${l.function} (${l.file}:${l.line})`
      byFunction.set(key, (byFunction.get(key) ?? 0) + l.cpuUs)
    }
  }
  if (!byFunction.size) return null
  const named = [...byFunction].sort((x, y) => y[1] - x[1]).map(([k]) => k)
  const more = named.length > NOTE_FUNCTIONS ? ` and ${named.length - NOTE_FUNCTIONS} more` : ''
  return `function-level rows (the source map could not place their lines; shown on the function's line): ${named.slice(0, NOTE_FUNCTIONS).join(', ')}${more}`
}

/**
 * Marks each test's last attempt and counts the tests by it (summary.ts `totals`, the closing line's
 * numbers). A test is its vitest id (the bucket id without `#<n>`).
 */
function budgetTotals(tests: JsonBucket[]): JsonBudgetTotals {
  const last = new Map<string, JsonBucket>()
  for (const t of tests) {
    if (!t.budget) continue
    const id = t.id.replace(/#\d+$/, '')
    const seen = last.get(id)
    if (!seen || (t.attempt ?? 0) >= (seen.attempt ?? 0)) last.set(id, t)
  }
  const counted: BudgetedTest[] = []
  const failedAfterRun: string[] = []
  for (const t of tests) {
    if (!t.budget) continue
    t.budget.last = last.get(t.id.replace(/#\d+$/, '')) === t
    if (!t.budget.last) continue
    // totals() reads the verdict only; the rest of the record is not needed for counting.
    counted.push({ name: t.fullName, file: t.file ?? '', last: { verdict: t.budget.verdict } as AttemptRecord, attempts: [] })
    if (t.budget.sampled.some((c) => c.verdict === 'fail')) failedAfterRun.push(t.id)
  }
  return { tests: counted.length, ...totals(counted), failedAfterRun }
}

/**
 * A failure of ours in judging budgets loses that test's line/function verdicts (said in `errors`), not the
 * report: the thread's verdicts stand as recorded (a record that cannot be read at all: no budget).
 */
function safeBudget(a: Attribution, b: BucketResult, record: AttemptRecord, lines: JsonLine[], native: NativeShare[], options: ModelOptions): JsonBudget | null {
  try {
    return budgetOfBucket(a, b, record, lines, native, options)
  } catch (err) {
    try {
      const fallback = budgetOfBucket(a, b, { ...record, limits: undefined }, lines, native, options)
      return { ...fallback, errors: [...fallback.errors, `vitest-profiler: line and function budgets could not be judged: ${String(err)}`] }
    } catch {
      return null // a record we cannot read at all (a spool from another version)
    }
  }
}

/** A test attempt's budgets: the thread's verdicts as recorded, the line and function budgets judged here. */
function budgetOfBucket(a: Attribution, b: BucketResult, record: AttemptRecord, lines: JsonLine[], native: NativeShare[], options: ModelOptions): JsonBudget {
  const nativeUs = native.reduce((s, n) => s + n.cpuUs, 0)
  let sampled: SampledCheck[] = []
  const limits = record.limits
  if (record.verdict !== 'invalid' && limits && (limits.lines.length || limits.functions.length)) {
    const w = b.ref.kind === 'test' ? b.ref.window.event : null
    const projectRoot = w ? options.projectRoots?.[w.project] : undefined
    sampled = judgeSampled(
      limits,
      { sampledUs: b.cpu.mainUs + b.cpu.workersUs, totalUs: b.cpu.mainUs + b.cpu.workersUs + nativeUs, nEff: b.nEff, lines: b.lines, functions: b.functions },
      { rootDir: a.rootDir, minSamples: a.options.minSamples, ...(projectRoot ? { projectRoot } : {}) },
    )
  }
  const verdict = foldVerdict(record.verdict, sampled)
  let message: string | null = null
  if (verdict === 'fail') {
    const parts: string[] = []
    if (record.verdict === 'fail') parts.push(formatBudgetMessage(record.checks, record.measured, ''))
    for (const c of sampled) if (c.verdict === 'fail') parts.push(...formatSampledFailure(c))
    // Processes that are not Node are on no line, but they can be where the time went (all of it, for a shell
    // loop): they compete with the lines for the top places.
    const top = [
      ...lines.slice(0, TOP_BUDGET_LINES).map((l) => ({ where: l.line === null ? l.file : `${l.file}:${l.line}`, functionName: l.function, cpuUs: l.cpuUs, mainUs: l.mainUs, workersUs: l.workersUs })),
      ...native.map((n) => ({ where: `${clip(nativeLabel(n.command), 60)} (CPU from the OS, no lines)`, functionName: '', cpuUs: round(n.cpuUs), mainUs: 0, workersUs: round(n.cpuUs) })),
    ]
      .sort((x, y) => y.cpuUs - x.cpuUs)
      .slice(0, TOP_BUDGET_LINES)
    parts.push(...formatTopLines(top))
    if (record.shared) parts.push('  note: this test ran concurrently with others in its thread: the figures are those of the shared window')
    message = parts.join('\n')
  }
  const us = (ms: number) => Math.round(ms * 1000)
  const m = record.measured
  return {
    verdict,
    threadVerdict: record.verdict,
    last: true,
    shared: record.shared,
    errors: record.errors ?? [],
    checks: record.checks.map((c) => ({ key: c.key, measuredUs: us(c.measuredMs), budgetUs: us(c.budgetMs), boundUs: us(c.boundMs), verdict: c.verdict })),
    measured: {
      wallUs: us(m.wall),
      mainUs: us(m.main),
      workersUs: us(m.workers),
      threadsUs: us(m.threads),
      processesUs: us(m.processes),
      boundUs: us(m.bound),
      threadCount: m.threadCount,
      processCount: m.processCount,
      notes: m.notes,
    },
    sampled: sampled.map((c) => ({
      key: c.key,
      kind: c.kind,
      target: c.target,
      limitUs: c.limit.kind === 'ms' ? us(c.limit.ms) : null,
      limitShare: c.limit.kind === 'share' ? c.limit.share : null,
      cpuUs: round(c.cpuUs),
      lowUs: round(c.lowUs),
      highUs: round(c.highUs),
      mainUs: round(c.mainUs),
      workersUs: round(c.workersUs),
      share: round4(c.share),
      shareLow: round4(c.shareLow),
      shareHigh: round4(c.shareHigh),
      samples: round4(c.samples),
      minSamples: c.minSamples,
      strict: c.strict,
      verdict: c.verdict,
      reason: c.reason,
      matched: c.matched,
    })),
    message,
  }
}

function nativeProcess(p: NativeProcess): JsonNativeProcess {
  return {
    parent: p.parent,
    root: p.root,
    pid: p.pid,
    command: p.command,
    sync: p.sync,
    startUs: p.from,
    endUs: p.to,
    code: p.code,
    signal: p.signal,
    cpuUs: p.cpuUs === null ? null : round(p.cpuUs),
    cpuSource: p.wraps.length ? 'node-children' : attributable(p) ? 'os' : 'unknown',
    wraps: p.wraps,
    hasLines: false,
  }
}

function bucket(a: Attribution, b: BucketResult, max: number, nativeShares: NativeShare[], options: ModelOptions): JsonBucket {
  const ref = b.ref
  const w = ref.kind === 'test' ? ref.window.event : null
  const main = b.threads.find((t) => t.isMain)
  // Processes that are not Node add CPU that no sample carries: it joins the shares' denominator, so every share
  // (and its bound: the same fraction of a larger total) scales by the sampled part of the total.
  const sampledUs = b.cpu.mainUs + b.cpu.workersUs
  const nativeUs = nativeShares.reduce((s, n) => s + n.cpuUs, 0)
  const scale = sampledUs + nativeUs > 0 ? sampledUs / (sampledUs + nativeUs) : 1
  const share = (f: Figure) => scaled(f, scale)
  const name = w
    ? w.name
    : ref.kind === 'outside'
      ? ref.file
        ? 'outside tests (setup, collection, hooks)'
        : 'outside any test file (start-up, teardown)'
      : `thread ${ref.kind === 'unattributed' ? ref.thread : ''} (no test thread known)`
  // A grouped line's functions (its group's, by self), gathered once per bucket.
  const groupFns = new Map<string, FunctionStat[]>()
  for (const f of b.functions) if (f.url === '' && f.group !== null && f.selfUs > 0) groupFns.set(f.group, [...(groupFns.get(f.group) ?? []), f])
  const lines = b.lines.slice(0, max).map((l) => line(a, l, groupFns, scale))
  return {
    kind: ref.kind,
    id: ref.kind === 'test' ? ref.window.key : b.key,
    name,
    fullName: w ? fullTestName(w) : name,
    suite: w ? testPath(w).slice(0, -1) : [],
    file: w ? w.file : ref.kind === 'outside' ? ref.file : null,
    project: w ? w.project : null,
    state: w ? w.state : null,
    attempt: w ? attemptOf(w) : null,
    sharedWith: ref.kind === 'test' ? ref.window.sharedWith : [],
    wallUs: round(w ? w.end - w.start : b.to - b.from),
    thread: ref.kind === 'test' ? ref.window.thread : ref.thread,
    cpu: {
      totalUs: round(sampledUs + nativeUs),
      mainUs: round(b.cpu.mainUs),
      workersUs: round(b.cpu.workersUs + nativeUs),
      profilerUs: round(b.cpu.profilerUs),
      unsampledUs: round(b.cpu.unsampledUs),
      linesUs: round(b.lines.reduce((sum, l) => sum + l.cpuUs, 0)),
      estimated: b.cpu.estimated,
      nativeUs: round(nativeUs),
    },
    native: nativeShares.map((n) => ({
      name: nativeLabel(n.command),
      command: n.command,
      pid: n.pid,
      cpuUs: round(n.cpuUs),
      share: round4(n.cpuUs / (sampledUs + nativeUs)),
      samples: 0 as const,
      hasLines: false as const,
    })),
    samples: {
      main: main?.onCpuSamples ?? 0,
      workers: b.threads.filter((t) => !t.isMain).reduce((s, t) => s + t.onCpuSamples, 0),
      effective: Math.round(b.nEff * 10) / 10,
    },
    waiting: {
      idleUs: round(b.waiting.idleUs),
      blockedUs: round(b.waiting.blockedUs),
      waitedFor: b.waiting.waitedFor.slice(0, 10).map((l) => ({ file: l.file, line: l.line, function: l.functionName, cpuUs: round(l.cpuUs), samples: round4(l.samples) })),
    },
    threads: b.threads.map((t) => ({ key: t.key, role: t.isMain ? 'main' : 'worker', cpuUs: round(t.cpuUs), samples: t.onCpuSamples, idleUs: round(t.idleUs), waitingUs: round(t.waitingUs) })),
    lines,
    lineCount: b.lines.length,
    functions: b.functions.slice(0, max).map((f) => ({
      name: f.functionName,
      file: f.file,
      line: f.line,
      url: f.url,
      package: f.group,
      selfUs: round(f.selfUs),
      totalUs: round(f.totalUs),
      mainUs: round(f.mainUs),
      workersUs: round(f.workersUs),
      self: share(f.self),
      total: share(f.total),
    })),
    // A record that is only the gate's metering (no budget) is no budget here.
    budget: w?.budget && !w.budget.metered ? safeBudget(a, b, w.budget, lines, nativeShares, options) : null,
  }
}

/** Functions named beside a grouped line (a package, Node's internals, native code): its heaviest by self. */
const GROUP_FUNCTIONS = 3

function line(a: Attribution, l: LineStat, groupFns: ReadonlyMap<string, FunctionStat[]>, scale: number): JsonLine {
  // A 'none' line is the function's declaration, not a line that ran: no source text to mislead.
  const source = l.url && l.line !== null && l.level !== 'none' ? a.maps.sourceLine(l.url, l.line) : null
  const grouped = l.url === '' && l.group !== null
  const functionTotalUs = grouped ? null : l.functionTotalUs
  // A grouped row is the package's; which of its functions spent it, each with its own share, goes beside it
  // (issue #10.1: one function's name beside the whole package's share read as that function's share).
  const groupFunctions = grouped
    ? (groupFns.get(l.group!) ?? [])
        .slice(0, GROUP_FUNCTIONS)
        .map((f) => ({ name: f.functionName, cpuUs: round(f.selfUs), share: scaled(f.self, scale) }))
    : null
  return {
    file: l.file,
    line: l.line,
    url: l.url,
    package: l.group,
    level: l.level,
    function: l.functionName,
    source: source === null ? null : clipSource(source.trim()),
    cpuUs: round(l.cpuUs),
    mainUs: round(l.mainUs),
    workersUs: round(l.workersUs),
    share: scaled(l.share, scale),
    functionTotalUs: functionTotalUs === null ? null : round(functionTotalUs),
    groupFunctions,
  }
}

const scaled = (f: Figure, k: number): JsonShare => share(k === 1 ? f : { ...f, share: f.share * k, low: f.low * k, high: f.high * k })

export function share(f: Figure): JsonShare {
  return { value: f.inconclusive ? null : round4(f.share), low: round4(f.low), high: round4(f.high), samples: round4(f.samples), inconclusive: f.inconclusive }
}

/**
 * A line's text, for a reader: at most SOURCE_MAX characters. A minified bundle's "line" can be the whole
 * file (549 KB in one real suite), repeated for every test that ran it: report.json grew to 38 MB for 35 tests.
 */
const SOURCE_MAX = 240
function clipSource(text: string): string {
  return text.length <= SOURCE_MAX ? text : `${text.slice(0, SOURCE_MAX - 1)}…`
}
