/**
 * The JSON report (`<outputDir>/report/report.json`): a documented, versioned schema. This file is the spec;
 * tools that read the report should check `schema` and `version`.
 *
 * Versioning: `version` is bumped on any change that removes or re-means a field. Adding an optional field
 * does not bump it. Readers must ignore fields they do not know.
 * - 2: budgets (`budgets`, `tests[].budget`); a test's `state` stays vitest's, and a budget judged after the run
 *   (lines, functions) can fail the run while vitest saw the test pass: read `budget.verdict` for that.
 * - 3: `lines[].functionTotalUs` of a line that ran in several functions is their union's (>= the line's own
 *   CPU); added `lines[].groupFunctions`, `cpu.linesUs`.
 *
 * Units: every `...Us` is MICROSECONDS. CPU figures are on-CPU time from per-thread CPU clocks (flag
 * `estimated` when a thread had no clock and wall time of on-CPU samples stood in). Shares are fractions 0..1.
 * Lines are 1-based lines of the ORIGINAL source (after source maps).
 */

export const REPORT_SCHEMA = 'vitest-profiler/report'
export const REPORT_VERSION = 3

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
  /**
   * The budgets of the run (`meta.budget`, src/budgets/): each test counted once, by its last attempt (as vitest
   * counts a retried test), its verdict over every budget (`tests[].budget.verdict`); `invalid` (bad budget
   * input, the test failed on it) counts as failed. All zero when no test had a budget.
   */
  budgets: JsonBudgetTotals
}

export interface JsonBudgetTotals {
  /** Tests with a budget (by their last attempt). passed + failed + inconclusive = tests. */
  tests: number
  passed: number
  failed: number
  inconclusive: number
  /**
   * Ids (`tests[].id`) of last attempts that failed a line or function budget, judged here from the samples
   * after the run: vitest could not know (it may show the test as passed), and the run's exit code is 1.
   */
  failedAfterRun: string[]
}

/**
 * A test attempt's budgets and their verdicts. cpu/wall were judged in the test's own thread when the attempt
 * ended, from CPU clocks (src/budgets/evaluate.ts; a failure failed the test in vitest); lines and functions
 * here, from this window's samples (src/budgets/lines.ts).
 */
export interface JsonBudget {
  /**
   * Over every budget of the attempt, the worst of: 'fail' > 'inconclusive' > 'pass'. 'invalid': the budget
   * was bad input (`errors`), nothing was judged, the test failed on it.
   */
  verdict: 'pass' | 'fail' | 'inconclusive' | 'invalid'
  /** The verdict of the test's thread (cpu and wall only), as vitest saw it. */
  threadVerdict: 'pass' | 'fail' | 'inconclusive' | 'invalid'
  /** This is the test's last attempt: the one that counts in `budgets`. */
  last: boolean
  /** The window overlapped other tests' (test.concurrent): the figures are the shared window's. */
  shared: boolean
  /** Bad input: one message per problem (verdict 'invalid'). */
  errors: string[]
  /**
   * cpu and wall budgets. `key`: 'cpu', 'cpu.main', 'cpu.workers' or 'wall'. Budget meter figures, MICROSECONDS
   * (the meter's are rounded to 10 us); `boundUs`: their error bound (fail only beyond it, else inconclusive).
   */
  checks: { key: string; measuredUs: number; budgetUs: number; boundUs: number; verdict: 'pass' | 'fail' | 'inconclusive' }[]
  /**
   * What the budget meter measured in the test's thread (MICROSECONDS): wall time (hooks included), CPU of the
   * test's thread, of its workers and processes (`workersUs` = `threadsUs` + `processesUs`), and the CPU bound.
   * It differs a little from `cpu` of the bucket, which is the profiler's window (without the hooks' edges).
   */
  measured: { wallUs: number; mainUs: number; workersUs: number; threadsUs: number; processesUs: number; boundUs: number; threadCount: number; processCount: number; notes: string[] }
  /** Line and function budgets, judged after the run from this window's samples. */
  sampled: JsonSampledCheck[]
  /** The failure message (as vitest shows a failed budget, with the test's top 3 lines); null unless verdict 'fail'. */
  message: string | null
}

export interface JsonSampledCheck {
  /** 'lines.src/parse.ts:42' or 'functions.parseRow'. */
  key: string
  kind: 'line' | 'function'
  /** The line key as written (relative to the test's project root), or the function name. */
  target: string
  /** The limit: a duration (`limitUs`, MICROSECONDS) or a share of the test's CPU (`limitShare`, 0..1); the other is null. */
  limitUs: number | null
  limitShare: number | null
  /**
   * The line's SELF CPU / the function's TOTAL (inclusive) CPU in this window, over all the test's threads and
   * processes (MICROSECONDS), with its 95% bounds and its part on the test's own thread and on its workers.
   * Functions of the same name add up.
   */
  cpuUs: number
  lowUs: number
  highUs: number
  mainUs: number
  workersUs: number
  /** The same as a share of the test's CPU (`cpu.totalUs`), 0..1, with its 95% bounds. */
  share: number
  shareLow: number
  shareHigh: number
  /** Samples behind the figure (fractional: line histograms split a node's samples). */
  samples: number
  /** Below it the figure is inconclusive (the budget's `minSamples`, else `model.minSamples`). */
  minSamples: number
  strict: boolean
  verdict: 'pass' | 'fail' | 'inconclusive'
  /**
   * Why the verdict is not a plain pass/fail: 'samples': fewer than minSamples; 'bound': the 95% bound straddles
   * the limit. Under `strict` either is a fail.
   */
  reason: 'samples' | 'bound' | null
  /** The attributed lines ('src/parse.ts:42') or functions ('parseRow (src/parse.ts:10)') summed; empty: no sample. */
  matched: string[]
}

export interface JsonThread {
  /** `${pid}-${threadId}`. */
  key: string
  kind: 'vitest-worker' | 'worker' | 'process'
  parent: string | null
  /** The vitest test thread this thread's samples are attributed to. */
  root: string | null
  /** For humans: a worker's `name` or script file name (`[worker eval]`, `data: URL`), a process's `node x.mjs`. */
  title: string
  /** The script: an absolute path, `eval: <first line>`, or a shortened `data:` URL; '' when unknown. */
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
  /**
   * totalUs = mainUs + workersUs = linesUs + profilerUs + unsampledUs + nativeUs (to rounding). linesUs: on all
   * lines, also those beyond the `lines` kept here; unsampledUs: clock CPU that no on-CPU sample carries.
   */
  cpu: { totalUs: number; mainUs: number; workersUs: number; profilerUs: number; unsampledUs: number; linesUs: number; estimated: boolean; nativeUs: number }
  /**
   * Processes that are not Node, spawned by the test's threads while it ran (`nativeUs` in all): their CPU is in
   * `workersUs` and `totalUs` (and in the shares' denominator) but on no line. Empty for most buckets.
   */
  native: JsonNativeShare[]
  samples: { main: number; workers: number; effective: number }
  /** The test's own thread while not on CPU: event-loop idle, blocking waits, and the worker lines meanwhile. */
  waiting: { idleUs: number; blockedUs: number; waitedFor: { file: string; line: number | null; function: string; cpuUs: number; samples: number }[] }
  threads: { key: string; role: 'main' | 'worker'; cpuUs: number; samples: number; idleUs: number; waitingUs: number }[]
  /** The heaviest lines (at most 50); `lineCount` lines had CPU in all (their sum: `cpu.linesUs`). */
  lines: JsonLine[]
  lineCount: number
  functions: JsonFunction[]
  /** Tests with a budget: its verdicts in this attempt; null otherwise (and for outside/unattributed buckets). */
  budget: JsonBudget | null
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
   * Inclusive CPU of the function the line ran in (lines have no inclusive time: V8 records no call sites); of
   * all of them, counted once, when the line ran in several (a callback on one line, minified code). Always
   * `>= cpuUs` (version 3; version 2 gave the heaviest function's total, which could be less than the line).
   * null for a grouped line, which spans functions.
   */
  functionTotalUs: number | null
  /**
   * A grouped line (a package, `node:internal`, `(native)`): its heaviest functions by self CPU, each with its
   * own share of the bucket (the line's `share` is the whole group's). null for a user line.
   */
  groupFunctions: { name: string; cpuUs: number; share: JsonShare }[] | null
}

export interface JsonFunction {
  name: string
  file: string
  line: number | null
  url: string
  package: string | null
  selfUs: number
  totalUs: number
  /** Self CPU on the test's own thread / on its workers. */
  mainUs: number
  workersUs: number
  self: JsonShare
  total: JsonShare
}
