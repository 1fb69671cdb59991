/**
 * The attribution pipeline: a run directory's records → per test (and per file, outside tests) answers.
 * A list of small pure stages, each in its own file, each dumpable for the golden tests (dump.ts):
 *
 *   1. threads.ts      thread tree: who created whom, each thread's test thread, how each ended
 *   2. samples.ts      chunks → timed samples, classified work / gc / artefact / idle / waiting
 *   3. cpu.ts          CPU clock readings → CPU per sample (clock time split by on-CPU sample weights)
 *   4. locations.ts    nodes → original functions and lines (source-maps.ts), library grouping
 *   5. windows.ts      samples → test windows (or outside tests, per file) by timestamp
 *   6. tally.ts        per bucket: lines and functions, self/total, main/worker split, error bounds (stats.ts)
 *
 * Nothing here reads files except through the injected SourceIo (for source maps and source text).
 */
import type { RunData } from '../spool/reader.js'
import type { ThreadKey } from '../spool/format.js'
import { buildThreadTree, type ThreadNode, type ThreadTree } from './threads.js'
import { expandSamples, isOnCpu, type Sample } from './samples.js'
import { assignSampleCpu, cpuBetween, cpuTimeline, lowerBound, type CpuTimeline } from './cpu.js'
import { SourceMaps, type RawSourceMap, type SourceIo } from './source-maps.js'
import { Locator } from './locations.js'
import { assignBuckets, bucketKey, indexWindows, type BucketRef, type WindowIndex } from './windows.js'
import { Placer, Tally, type FunctionStat, type LineStat, type WaitedLine } from './tally.js'
import { DEFAULT_MIN_SAMPLES } from './stats.js'
import { byCodeUnits } from './compare.js'

export interface AttributionOptions {
  rootDir?: string
  /** Only windows (and samples) at or after this instant: a watch-mode re-run. */
  sinceUs?: number
  expandLibraries?: boolean
  minSamples?: number
  /** Maps captured by the main process (sourcemaps.json), keyed by script URL. */
  capturedMaps?: Record<string, RawSourceMap>
  io?: SourceIo
}

export interface ThreadAttribution {
  key: ThreadKey
  node: ThreadNode
  samples: Sample[]
  timeline: CpuTimeline
  /** Clock CPU that fell between readings with no on-CPU sample (start-up before the first sample, mostly). */
  unsampledUs: number
}

export interface BucketThread {
  key: ThreadKey
  isMain: boolean
  /** The thread's CPU in the bucket: its clock (test windows), or the sum of its samples' CPU (outside). */
  cpuUs: number
  onCpuSamples: number
  idleUs: number
  waitingUs: number
  samples: Sample[]
}

export interface BucketResult {
  ref: BucketRef
  key: string
  /** For tests: the window's span; outside tests: the first and last sample. */
  from: number
  to: number
  /** profilerUs: our agent's own on-CPU samples; unsampledUs: clock CPU no on-CPU sample accounts for. */
  cpu: { mainUs: number; workersUs: number; profilerUs: number; unsampledUs: number; estimated: boolean }
  threads: BucketThread[]
  /** The test thread's wall time not running: event-loop idle and blocking waits, and what workers did then. */
  waiting: { idleUs: number; blockedUs: number; waitedFor: WaitedLine[] }
  lines: LineStat[]
  functions: FunctionStat[]
  nEff: number
  onCpuSamples: number
}

export interface Attribution {
  run: RunData
  rootDir: string
  tree: ThreadTree
  threads: ThreadAttribution[]
  windows: WindowIndex
  tests: BucketResult[]
  outside: BucketResult[]
  unattributed: BucketResult[]
  maps: SourceMaps
  locator: Locator
  options: Required<Pick<AttributionOptions, 'expandLibraries' | 'minSamples'>>
}

export function attributeRun(run: RunData, options: AttributionOptions = {}): Attribution {
  const rootDir = options.rootDir ?? run.manifest.rootDir
  const opts = { expandLibraries: options.expandLibraries ?? false, minSamples: options.minSamples ?? DEFAULT_MIN_SAMPLES }
  const tree = buildThreadTree(run)
  const threads: ThreadAttribution[] = [...tree.nodes.values()].map((node) => {
    const samples = expandSamples(node.record)
    const timeline = cpuTimeline(node.record)
    const { unsampledUs } = assignSampleCpu(timeline, samples)
    return { key: node.record.key, node, samples, timeline, unsampledUs }
  })
  const windows = indexWindows(tree, options.sinceUs)
  const maps = new SourceMaps(options.capturedMaps ?? {}, options.io ?? { readText: () => null })
  const locator = new Locator(maps, rootDir)
  const placer = new Placer(locator, opts)

  // Stage 5: every sample into its buckets, grouped per thread.
  const buckets = new Map<string, { ref: BucketRef; perThread: Map<ThreadKey, Sample[]> }>()
  for (const w of windows.windows) buckets.set(bucketKey({ kind: 'test', window: w }), { ref: { kind: 'test', window: w }, perThread: new Map([[w.thread, []]]) })
  for (const t of threads) {
    const samples = options.sinceUs === undefined ? t.samples : t.samples.slice(lowerBound(t.samples, options.sinceUs - 1))
    const listOf = new Map<BucketRef, Sample[]>()
    assignBuckets(windows, t.node.root, t.key, samples, (i, refs) => {
      for (const ref of refs) {
        let list = listOf.get(ref)
        if (!list) {
          const key = bucketKey(ref)
          let b = buckets.get(key)
          if (!b) buckets.set(key, (b = { ref, perThread: new Map() }))
          list = b.perThread.get(t.key)
          if (!list) b.perThread.set(t.key, (list = []))
          listOf.set(ref, list)
        }
        list.push(samples[i]!)
      }
    })
  }

  const byKey = new Map(threads.map((t) => [t.key, t]))
  const results = [...buckets.entries()].map(([key, b]) => tallyBucket(key, b.ref, b.perThread, byKey, placer, opts))
  const byStart = (a: BucketResult, b: BucketResult) => a.from - b.from || byCodeUnits(a.key, b.key)
  return {
    run,
    rootDir,
    tree,
    threads,
    windows,
    tests: results.filter((r) => r.ref.kind === 'test').sort(byStart),
    outside: results.filter((r) => r.ref.kind === 'outside' && r.onCpuSamples + r.threads.length > 0).sort(byStart),
    unattributed: results.filter((r) => r.ref.kind === 'unattributed').sort(byStart),
    maps,
    locator,
    options: opts,
  }
}

function tallyBucket(
  key: string,
  ref: BucketRef,
  perThread: Map<ThreadKey, Sample[]>,
  threads: Map<ThreadKey, ThreadAttribution>,
  placer: Placer,
  opts: { expandLibraries: boolean; minSamples: number },
): BucketResult {
  const tally = new Tally(placer, opts)
  const mainKey = ref.kind === 'test' ? ref.window.thread : ref.kind === 'outside' ? ref.thread : null
  const win = ref.kind === 'test' ? ref.window.event : null
  let from = win?.start ?? Infinity
  let to = win?.end ?? -Infinity
  const out: BucketThread[] = []
  let estimated = false
  let unsampledUs = 0
  // Off-CPU intervals of the test's own thread, for "waited for" (a sample stands for [ts, ts + weight)).
  const mainOff: { ts: number; end: number }[] = []
  for (const s of perThread.get(mainKey ?? '') ?? []) if (!isOnCpu(s.kind)) mainOff.push({ ts: s.ts, end: s.ts + s.weight })

  const order = [...perThread.keys()].sort((a, b) => (a === mainKey ? -1 : b === mainKey ? 1 : byCodeUnits(a, b)))
  for (const tk of order) {
    const samples = perThread.get(tk)!
    const t = threads.get(tk)!
    const isMain = tk === mainKey
    let sampleCpu = 0
    let onCpu = 0
    let idleUs = 0
    let waitingUs = 0
    for (const s of samples) {
      if (isOnCpu(s.kind)) {
        sampleCpu += s.cpuUs
        onCpu++
      } else if (s.kind === 'idle') idleUs += s.weight
      else waitingUs += s.weight
      from = Math.min(from, s.ts)
      to = Math.max(to, s.ts)
    }
    // Clock CPU of this thread in the window; samples only split it. Outside windows the samples' CPU is it.
    let cpuUs = sampleCpu
    if (win) {
      if (isMain && t.node.record.start.cpuClock !== 'none') cpuUs = Math.max(0, win.cpuEnd - win.cpuStart)
      else cpuUs = cpuBetween(t.timeline, t.samples, win.start, win.end)
    }
    if (!t.timeline.hasClock) estimated = true
    // Samples carry at most the clock's CPU (scaled down where window edges cut a clock interval); clock CPU the
    // samples cannot carry (native work while they showed idle, cpu.ts) is the bucket's unsampled CPU, which
    // counts in the shares' denominator but on no line.
    const scale = sampleCpu > cpuUs ? cpuUs / sampleCpu : 1
    unsampledUs += Math.max(0, cpuUs - sampleCpu)
    for (const s of samples) {
      if (!isOnCpu(s.kind)) continue
      const us = s.cpuUs * scale
      tally.add(s, us, isMain)
      if (!isMain && mainOff.length && covered(mainOff, s.ts)) tally.addWaitedFor(s, us)
    }
    out.push({ key: tk, isMain, cpuUs, onCpuSamples: onCpu, idleUs, waitingUs, samples })
  }
  tally.addUnsampled(unsampledUs)
  const main = out.find((t) => t.isMain)
  const mainUs = main?.cpuUs ?? 0
  const allUs = out.reduce((s, t) => s + t.cpuUs, 0)
  return {
    ref,
    key,
    from: Number.isFinite(from) ? from : 0,
    to: Number.isFinite(to) ? to : 0,
    cpu: { mainUs, workersUs: allUs - mainUs, profilerUs: tally.profilerUs, unsampledUs, estimated },
    threads: out,
    waiting: { idleUs: main?.idleUs ?? 0, blockedUs: main?.waitingUs ?? 0, waitedFor: tally.waitedFor() },
    lines: tally.lineStats(),
    functions: tally.functionStats(),
    nEff: tally.nEff,
    onCpuSamples: tally.onCpuSamples,
  }
}

/** Is t inside one of the sorted, disjoint intervals [ts, end)? */
function covered(intervals: { ts: number; end: number }[], t: number): boolean {
  let lo = 0
  let hi = intervals.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const iv = intervals[mid]!
    if (t < iv.ts) hi = mid - 1
    else if (t >= iv.end) lo = mid + 1
    else return true
  }
  return false
}
