/**
 * The JSON report (`<outputDir>/report/report.json`): a documented, versioned schema. This file is the spec;
 * tools that read the report should check `schema` and `version`.
 *
 * Versioning: `version` is bumped on any change that removes or re-means a field. Adding an optional field
 * does not bump it. Readers must ignore fields they do not know.
 *
 * Units: every `...Us` is MICROSECONDS. CPU figures are on-CPU time from per-thread CPU clocks (flag
 * `estimated` when a thread had no clock and wall time of on-CPU samples stood in). Shares are fractions 0..1.
 * Lines are 1-based lines of the ORIGINAL source (after source maps).
 */

export const REPORT_SCHEMA = 'vitest-profiler/report'
export const REPORT_VERSION = 1

export interface JsonReport {
  schema: typeof REPORT_SCHEMA
  version: typeof REPORT_VERSION
  run: {
    runId: string
    runDir: string
    rootDir: string
    vitestVersion: string
    nodeVersion: string
    /** Requested sampling interval (us). */
    intervalUs: number
    startedAt: string
    endedAt: string | null
  }
  /** The statistical model, in words (see src/attribution/stats.ts). */
  model: {
    /** Samples below which a share is reported as inconclusive (`value: null`). */
    minSamples: number
    confidence: 0.95
    interval: 'wilson-score, kish-effective-n'
    /** Library code grouped per package (false) or listed per file and line (true). */
    expandLibraries: boolean
  }
  /** Every thread and process known to have run: profiled ones, `missing` ones and `native` ones. */
  threadsSeen: number
  profilesReceived: number
  /**
   * Of threadsSeen: threads that ended while the agent was starting in them, or were terminated before it
   * could, so before any of their own code ran (nothing of them to lose). Not in profilesReceived.
   */
  endedBeforeRunning: number
  threads: JsonThread[]
  /**
   * Child processes that are not Node (esbuild, sh, ...): no agent ran in them, so they have no samples, no
   * lines and no profile; their CPU comes from the OS (Linux /proc) and is part of the spawning test's CPU.
   */
  native: JsonNativeProcess[]
  /** Threads or node processes known to have run (spawn records) that left no profile. */
  missing: { parent: string; kind: 'worker' | 'process'; id: number; command?: string }[]
  tests: JsonBucket[]
  /** Time outside every test window, per test file (setup, collection, pool start-up); `file: null` = no file. */
  outside: JsonBucket[]
  /** Threads whose test thread is unknown (lineage lost). */
  unattributed: JsonBucket[]
  /** Human-readable caveats that apply to this run (function-level mapping, clockless threads, ...). */
  notes: string[]
}

export interface JsonThread {
  /** `${pid}-${threadId}`. */
  key: string
  kind: 'vitest-worker' | 'worker' | 'process'
  parent: string | null
  /** The vitest test thread this thread's samples are attributed to. */
  root: string | null
  title: string
  entry: string
  cpuClock: string
  samples: number
  chunks: number
  ending: { status: 'flushed'; how: string; detail?: string } | { status: 'unflushed'; lastFlushUs: number | null; diedAtUs: number | null; signal: string | null; exitCode?: number }
  problems: string[]
}

export interface JsonNativeProcess {
  /** The thread that spawned it, and that thread's vitest test thread. */
  parent: string
  root: string | null
  pid: number | null
  command: string
  /** Started by spawnSync / execSync / execFileSync (the parent was blocked meanwhile). */
  sync: boolean
  startUs: number
  /** null: still running when its parent's records ended (a long-lived service). */
  endUs: number | null
  code: number | null
  signal: string | null
  /** CPU from the OS (us): the process and the descendants it waited for. null: unknown. */
  cpuUs: number | null
  /**
   * 'os': attributed to tests by time (`cpuUs` is in their `native`); 'unknown': no OS reading (no /proc on this
   * platform), only its wall time is known; 'node-children': it started profiled Node processes (`wraps`), whose
   * own clocks count, so none of its CPU is attributed.
   */
  cpuSource: 'os' | 'unknown' | 'node-children'
  wraps: string[]
  /** Always false: nothing of it was sampled. */
  hasLines: false
}

/** A process that is not Node, as part of one bucket: CPU from the OS, no samples, no lines. */
export interface JsonNativeShare {
  /** `(not Node) <program> <args>`, for humans. */
  name: string
  command: string
  pid: number | null
  cpuUs: number
  /** Its part of the bucket's `cpu.totalUs` (exact: no sampling, so no bound). */
  share: number
  samples: 0
  hasLines: false
}

export interface JsonShare {
  /** Point estimate 0..1, or null when `inconclusive` (fewer than `model.minSamples` samples). */
  value: number | null
  /** 95% bounds 0..1 (always given). */
  low: number
  high: number
  samples: number
  inconclusive: boolean
}

export interface JsonBucket {
  kind: 'test' | 'outside' | 'unattributed'
  /** vitest test id (with `#<attempt - 1>` past the first attempt) for tests; `outside:<thread>:<file>` otherwise. */
  id: string
  /** Full test name (`suite > test`), or a description for outside/unattributed buckets. */
  name: string
  /** Tests: `project › describe › test` (no project part for an unnamed project); otherwise the same as `name`. */
  fullName: string
  /** Tests: the describe blocks around the test, outermost first; otherwise empty. */
  suite: string[]
  /**
   * Tests: which run of the test this window is, 1 for the first; each retry (and repeat) is a bucket of its
   * own with its own `state`. null otherwise.
   */
  attempt: number | null
  file: string | null
  project: string | null
  /** Tests: the state of this attempt ('pass', 'fail', 'skip', 'unknown'). */
  state: string | null
  /** Ids of tests whose windows overlapped this one (`test.concurrent`): their worker time is shared. */
  sharedWith: string[]
  /** Window length for tests; first to last sample otherwise. */
  wallUs: number
  /** The vitest thread that ran the test (or the file). */
  thread: string | null
  /**
   * profilerUs: the profiler's own samples (on no line); unsampledUs: clock CPU that no on-CPU sample accounts
   * for (native work while the thread looked idle). Both are in totalUs and in the shares' denominator.
   * nativeUs: CPU of processes that are not Node (see `native`), part of workersUs; totalUs = mainUs + workersUs.
   */
  cpu: { totalUs: number; mainUs: number; workersUs: number; profilerUs: number; unsampledUs: number; estimated: boolean; nativeUs: number }
  /**
   * Processes that are not Node, spawned by the test's threads while it ran (`nativeUs` in all): their CPU is in
   * `workersUs` and `totalUs` (and in the shares' denominator) but on no line. Empty for most buckets.
   */
  native: JsonNativeShare[]
  samples: { main: number; workers: number; effective: number }
  /** The test's own thread while not on CPU: event-loop idle, blocking waits, and the worker lines meanwhile. */
  waiting: { idleUs: number; blockedUs: number; waitedFor: { file: string; line: number | null; function: string; cpuUs: number; samples: number }[] }
  threads: { key: string; role: 'main' | 'worker'; cpuUs: number; samples: number; idleUs: number; waitingUs: number }[]
  lines: JsonLine[]
  functions: JsonFunction[]
}

export interface JsonLine {
  /** Root-relative path for user files; the package group (`node_modules/tinypool`) when grouped. */
  file: string
  line: number | null
  url: string
  package: string | null
  /**
   * 'function': the source map could not place the generated line; attributed to the function's line.
   * 'none': V8 gave no line for these samples (code its profiler could not place); `line` is the function's
   * declaration, NOT a line that ran, and `source` is null.
   */
  level: 'line' | 'function' | 'none'
  function: string
  source: string | null
  cpuUs: number
  mainUs: number
  workersUs: number
  share: JsonShare
  /**
   * Inclusive CPU of the containing function (lines have no inclusive time: V8 records no call sites).
   * null for a grouped library line, which spans functions.
   */
  functionTotalUs: number | null
}

export interface JsonFunction {
  name: string
  file: string
  line: number | null
  url: string
  package: string | null
  selfUs: number
  totalUs: number
  mainUs: number
  workersUs: number
  self: JsonShare
  total: JsonShare
}
