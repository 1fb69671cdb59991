/**
 * A compact per-test summary of an attributed run (what the capture issue's first summary showed), kept for
 * tests and callers that want numbers without the full report. Built on attributeRun; no extra computation.
 */
import type { RunData } from '../spool/reader.js'
import type { ThreadKey } from '../spool/format.js'
import { threadCounts, type NativeProcess, type ThreadEnding } from './threads.js'
import { nativeByBucket } from './native.js'
import { attributeRun, type Attribution, type AttributionOptions } from './pipeline.js'
import { byCodeUnits } from './compare.js'
import { attemptOf, fullTestName } from './windows.js'

export interface TestSummary {
  testId: string
  name: string
  /** `project › describe › test` (windows.ts fullTestName). */
  fullName: string
  project: string
  file: string
  /** This attempt's own state, and its number (1 = first run; retries and repeats count up). */
  state: string
  attempt: number
  wallUs: number
  cpuMainUs: number
  /** Other profiled threads and processes (samples and clocks); processes that are not Node are in cpuNativeUs. */
  cpuWorkersUs: number
  /** Processes that are not Node, CPU from the OS (no samples, no lines; native.ts). */
  cpuNativeUs: number
  native: { command: string; pid: number | null; cpuUs: number }[]
  /** On-CPU samples in the test's own thread / in every other thread, inside the window. */
  samplesMain: number
  samplesWorkers: number
  /** Threads/processes (other than the test's own) that had on-CPU samples in this test's window. */
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
  file: string
  line: number | null
  functionName: string
  samples: number
  cpuUs: number
}

export interface RunSummary {
  runDir: string
  tests: TestSummary[]
  threads: ThreadSummary[]
  threadsSeen: number
  /** Of threadsSeen: processes that are not Node (CPU from the OS, no lines). */
  notNode: number
  native: NativeProcess[]
  profilesReceived: number
  /** Of threadsSeen: ended before any of their own code ran (threads.ts threadCounts). */
  endedBeforeRunning: number
  hotLines: LineSummary[]
  attribution: Attribution
}

export interface SummaryOptions extends AttributionOptions {
  topLines?: number
}

export function summarizeRun(run: RunData, options: SummaryOptions = {}): RunSummary {
  return summarizeAttribution(attributeRun(run, options), options.topLines ?? 5)
}

export function summarizeAttribution(a: Attribution, topLines = 5): RunSummary {
  const native = nativeByBucket(a.tree, a.windows)
  const tests: TestSummary[] = a.tests.map((b) => {
    const w = b.ref.kind === 'test' ? b.ref.window : null
    const workers = b.threads.filter((t) => !t.isMain)
    return {
      testId: w?.event.testId ?? '',
      name: w?.event.name ?? '',
      fullName: w ? fullTestName(w.event) : '',
      project: w?.event.project ?? '',
      file: w?.event.file ?? '',
      state: w?.event.state ?? 'unknown',
      attempt: w ? attemptOf(w.event) : 1,
      wallUs: w ? w.event.end - w.event.start : 0,
      cpuMainUs: b.cpu.mainUs,
      cpuWorkersUs: b.cpu.workersUs,
      cpuNativeUs: (native.get(b.key) ?? []).reduce((s, n) => s + n.cpuUs, 0),
      native: (native.get(b.key) ?? []).map((n) => ({ command: n.command, pid: n.pid, cpuUs: n.cpuUs })),
      samplesMain: b.threads.find((t) => t.isMain)?.onCpuSamples ?? 0,
      samplesWorkers: workers.reduce((s, t) => s + t.onCpuSamples, 0),
      workerThreads: workers.filter((t) => t.onCpuSamples > 0).length,
      concurrent: (w?.sharedWith.length ?? 0) > 0 || (w?.event.concurrent ?? false),
    }
  })
  tests.sort((x, y) => byCodeUnits(x.file, y.file) || byCodeUnits(x.fullName, y.fullName) || x.attempt - y.attempt)
  const threads: ThreadSummary[] = a.threads.map((t) => ({
    key: t.key,
    kind: t.node.kind,
    root: t.node.root,
    samples: t.samples.length,
    chunks: t.node.record.chunks.length,
    ending: t.node.ending,
    problems: t.node.record.problems,
  }))
  const lines = new Map<string, LineSummary>()
  for (const b of [...a.tests, ...a.outside, ...a.unattributed]) {
    for (const l of b.lines) {
      const e = lines.get(l.key) ?? { url: l.url, file: l.file, line: l.line, functionName: l.functionName, samples: 0, cpuUs: 0 }
      e.samples += l.samples
      e.cpuUs += l.cpuUs
      lines.set(l.key, e)
    }
  }
  const counts = threadCounts(a.tree)
  return {
    runDir: a.run.runDir,
    tests,
    threads,
    threadsSeen: counts.seen,
    notNode: a.tree.native.length,
    native: a.tree.native,
    profilesReceived: counts.received,
    endedBeforeRunning: counts.endedBeforeRunning,
    hotLines: [...lines.values()].sort((x, y) => y.cpuUs - x.cpuUs).slice(0, topLines),
    attribution: a,
  }
}
