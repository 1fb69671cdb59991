/**
 * The first summary of a run (capture issue): per test, CPU in its own thread and in its workers, samples, and
 * threads seen versus profiles received; plus the hottest lines by work samples.
 */
import type { RunData } from '../spool/reader.js'
import type { ThreadKey } from '../spool/format.js'
import { buildThreadTree, type ThreadEnding } from './threads.js'
import { expandSamples, type Sample } from './samples.js'
import { cpuBetween, cpuTimeline, lowerBound, type CpuTimeline } from './cpu.js'

export interface TestSummary {
  testId: string
  name: string
  file: string
  wallUs: number
  cpuMainUs: number
  cpuWorkersUs: number
  samplesMain: number
  samplesWorkers: number
  /** Threads/processes (other than the test's own) that had samples in this test's window. */
  workerThreads: number
  concurrent: boolean
}

export interface ThreadSummary {
  key: ThreadKey
  kind: string
  root: ThreadKey | null
  samples: number
  chunks: number
  ending: ThreadEnding
  problems: string[]
}

export interface LineSummary {
  url: string
  line: number
  functionName: string
  samples: number
}

export interface RunSummary {
  runDir: string
  tests: TestSummary[]
  threads: ThreadSummary[]
  threadsSeen: number
  profilesReceived: number
  hotLines: LineSummary[]
}

export interface SummaryOptions {
  /** Only windows that started at or after this instant (a watch-mode re-run). */
  sinceUs?: number
  rootDir?: string
  topLines?: number
}

export function summarizeRun(run: RunData, options: SummaryOptions = {}): RunSummary {
  const tree = buildThreadTree(run)
  const samples = new Map<ThreadKey, Sample[]>()
  const timelines = new Map<ThreadKey, CpuTimeline>()
  for (const t of run.threads) {
    samples.set(t.key, expandSamples(t))
    timelines.set(t.key, cpuTimeline(t))
  }
  const descendants = new Map<ThreadKey, ThreadKey[]>()
  for (const node of tree.nodes.values()) {
    if (node.root && node.root !== node.record.key) {
      const list = descendants.get(node.root) ?? []
      list.push(node.record.key)
      descendants.set(node.root, list)
    }
  }
  const tests: TestSummary[] = []
  for (const node of tree.nodes.values()) {
    for (const w of node.record.windows) {
      if (options.sinceUs !== undefined && w.start < options.sinceUs) continue
      const mine = samples.get(node.record.key) ?? []
      let cpuWorkersUs = 0
      let samplesWorkers = 0
      let workerThreads = 0
      for (const d of descendants.get(node.record.key) ?? []) {
        const ds = samples.get(d) ?? []
        const n = countWork(ds, w.start, w.end)
        if (n > 0) workerThreads++
        samplesWorkers += n
        cpuWorkersUs += cpuBetween(timelines.get(d)!, ds, w.start, w.end)
      }
      tests.push({
        testId: w.testId,
        name: w.name,
        file: w.file,
        wallUs: w.end - w.start,
        cpuMainUs: node.record.start.cpuClock === 'none' ? cpuBetween(timelines.get(node.record.key)!, mine, w.start, w.end) : w.cpuEnd - w.cpuStart,
        cpuWorkersUs,
        samplesMain: countWork(mine, w.start, w.end),
        samplesWorkers,
        workerThreads,
        concurrent: w.concurrent,
      })
    }
  }
  tests.sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name))

  const threads: ThreadSummary[] = [...tree.nodes.values()].map((n) => ({
    key: n.record.key,
    kind: n.kind,
    root: n.root,
    samples: n.record.chunks.reduce((s, c) => s + (c.profile.samples?.length ?? 0), 0),
    chunks: n.record.chunks.length,
    ending: n.ending,
    problems: n.record.problems,
  }))
  return {
    runDir: run.runDir,
    tests,
    threads,
    threadsSeen: tree.nodes.size + tree.missing.length,
    profilesReceived: threads.filter((t) => t.samples > 0).length,
    hotLines: hotLines(samples, options.topLines ?? 5),
  }
}

function countWork(samples: Sample[], from: number, to: number): number {
  let n = 0
  for (let i = lowerBound(samples, from); i < samples.length && samples[i]!.ts <= to; i++) {
    const k = samples[i]!.kind
    if (k === 'work' || k === 'gc') n++
  }
  return n
}

/** Lines by work samples; a node's samples are split over its lines by V8's positionTicks. */
function hotLines(all: Map<ThreadKey, Sample[]>, top: number): LineSummary[] {
  const perNode = new Map<object, { count: number; sample: Sample }>()
  for (const list of all.values()) {
    for (const s of list) {
      if (s.kind !== 'work' || !s.node.callFrame.url) continue
      const entry = perNode.get(s.node)
      if (entry) entry.count++
      else perNode.set(s.node, { count: 1, sample: s })
    }
  }
  const lines = new Map<string, LineSummary>()
  for (const { count, sample } of perNode.values()) {
    const { callFrame, positionTicks } = sample.node
    const ticks = positionTicks?.length ? positionTicks : [{ line: callFrame.lineNumber + 1, ticks: 1 }]
    const total = ticks.reduce((s, t) => s + t.ticks, 0)
    for (const t of ticks) {
      const key = `${callFrame.url}:${t.line}`
      const entry = lines.get(key) ?? { url: callFrame.url, line: t.line, functionName: callFrame.functionName, samples: 0 }
      entry.samples += (count * t.ticks) / total
      lines.set(key, entry)
    }
  }
  return [...lines.values()].sort((a, b) => b.samples - a.samples).slice(0, top)
}
