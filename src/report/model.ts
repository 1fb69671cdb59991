/**
 * Format step shared by every renderer: the attribution → the JSON report model (schema.ts). Pure apart from
 * reading source lines through the attribution's SourceMaps (its injected SourceIo).
 */
import type { Attribution, BucketResult } from '../attribution/pipeline.js'
import type { Figure } from '../attribution/stats.js'
import type { LineStat } from '../attribution/tally.js'
import { attemptOf, fullTestName, testPath } from '../attribution/windows.js'
import { attributable, nativeByBucket, nativeLabel, type NativeShare } from '../attribution/native.js'
import { threadCounts, type NativeProcess } from '../attribution/threads.js'
import { REPORT_SCHEMA, REPORT_VERSION, type JsonBucket, type JsonLine, type JsonNativeProcess, type JsonReport, type JsonShare } from './schema.js'

export interface ModelOptions {
  /** Lines and functions kept per bucket (the heaviest). */
  maxLines?: number
}

const round = (n: number) => Math.round(n)
const round4 = (n: number) => Math.round(n * 10000) / 10000

export function buildReport(a: Attribution, options: ModelOptions = {}): JsonReport {
  const max = options.maxLines ?? 50
  const m = a.run.manifest
  const notes: string[] = []
  if (a.locator.functionLevelScripts.size) {
    notes.push(
      `function-level only (code on one line, the map cannot split it): ${[...a.locator.functionLevelScripts].map((u) => a.locator.display(u)).join(', ')}`,
    )
  }
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
  const unknownNative = a.tree.native.filter((p) => p.cpuUs === null)
  if (unknownNative.length) {
    notes.push(`CPU unknown for ${unknownNative.length} process(es) that are not Node (no OS reading on this platform): only their wall time is known`)
  }
  const native = nativeByBucket(a.tree, a.windows)
  const counts = threadCounts(a.tree)
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
      title: t.node.record.start.title,
      entry: t.node.record.start.entry,
      cpuClock: t.node.record.start.cpuClock,
      samples: t.samples.length,
      chunks: t.node.record.chunks.length,
      ending: t.node.ending,
      problems: t.node.record.problems,
    })),
    native: a.tree.native.map(nativeProcess),
    missing: a.tree.missing,
    tests: a.tests.map((b) => bucket(a, b, max, native.get(b.key) ?? [])),
    outside: a.outside.map((b) => bucket(a, b, max, native.get(b.key) ?? [])),
    unattributed: a.unattributed.map((b) => bucket(a, b, max, native.get(b.key) ?? [])),
    notes,
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

function bucket(a: Attribution, b: BucketResult, max: number, nativeShares: NativeShare[]): JsonBucket {
  const ref = b.ref
  const w = ref.kind === 'test' ? ref.window.event : null
  const fnTotals = new Map(b.functions.map((f) => [f.key, f.totalUs]))
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
    lines: b.lines.slice(0, max).map((l) => line(a, l, l.url === '' && l.group !== null ? null : (fnTotals.get(l.functionKey) ?? l.cpuUs), scale)),
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
  }
}

function line(a: Attribution, l: LineStat, functionTotalUs: number | null, scale: number): JsonLine {
  // A 'none' line is the function's declaration, not a line that ran: no source text to mislead.
  const source = l.url && l.line !== null && l.level !== 'none' ? a.maps.sourceLine(l.url, l.line) : null
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
