/**
 * The on-disk run format ("spool"): what every profiled thread writes while a run is in progress, and what the
 * main process reads back after it. This file is the spec; the writer (agent side) and the reader (main side)
 * both import their types and names from here.
 *
 * Layout, below the output dir (default `.vitest-profile/`):
 *
 *   bootstrap/<runId>.cjs            the preload that `--require` and NODE_OPTIONS point at (carries the config)
 *   runs/<runId>/run.json            RunManifest, written by the main process at start and end of the run
 *   runs/<runId>/threads/<key>/      one folder per thread, `<key>` = ThreadKey = `${pid}-${threadId}`
 *       events.ndjson                append-only, one SpoolEvent per line (JSON), in the order they happened
 *       chunk-000001.cpuprofile      one V8 CPU profile per flush, exactly as the inspector returned it
 *   runs/<runId>/debug.log           the agents' debug lines, only with DEBUG=vitest-profiler:<scope> (agent/debug.ts)
 *   runs/<runId>/sourcemaps.json     written by the main process at the end of a test run: the maps of the modules
 *                                    vitest transformed, keyed by the URL V8 reported (attribution/io.ts)
 *   report/                          the reports of the latest run (src/report/), not part of the spool
 *
 * Units and invariants (every reader may rely on them; the reader checks them):
 * - All timestamps (`at`, `start`, `end`, `from`, `to`) are MICROSECONDS on the monotonic clock of
 *   `process.hrtime.bigint() / 1000n`. V8 profile `startTime`/`endTime`/`timeDeltas` are on the same clock
 *   (measured: offsets <= 6 us across threads and forked processes), so samples and windows compare directly.
 * - `cpu` readings are MICROSECONDS of on-CPU time of ONE thread since it started, non-decreasing per thread.
 * - Chunks of one thread have strictly increasing `seq` starting at 1. Consecutive chunks may overlap by a few
 *   samples (rotation starts the next profile before stopping the previous one, so no time goes unsampled); a
 *   reader drops samples of chunk N+1 at or before the last sample of chunk N.
 * - A thread folder whose events.ndjson has no `end` event belongs to a thread that died without flushing
 *   (SIGKILL, a crash, or a kill that came before our flush): the reader reports it as `unflushed`. Its last
 *   line may be torn (partially written); a torn LAST line is tolerated and reported, a torn earlier line is
 *   an error.
 * - A chunk file referenced by a `chunk` event always exists and is complete: it is written to a temporary
 *   name and renamed before the event is appended.
 */

/**
 * The spool's clock: monotonic microseconds, `process.hrtime.bigint() / 1000n` (the clock of V8's profiles).
 * Captured at load, so a test that fakes timers and clocks later (vi.useFakeTimers) cannot change it.
 */
const hrtimeBigint = process.hrtime.bigint.bind(process.hrtime)
export const nowUs = (): number => Number(hrtimeBigint() / 1000n)
/** The same clock in ms (fractional). */
export const monoMs = (): number => nowUs() / 1000

/** Bump on any incompatible change of the files below; the reader refuses other versions with a clear error. */
export const SPOOL_VERSION = 1

export const RUN_MANIFEST_FILE = 'run.json'
export const THREADS_DIR = 'threads'
export const EVENTS_FILE = 'events.ndjson'
export const chunkFileName = (seq: number): string => `chunk-${String(seq).padStart(6, '0')}.cpuprofile`

/** `${pid}-${threadId}`: unique for the life of a run (pids are not reused while the run holds them). */
export type ThreadKey = string
export const threadKey = (pid: number, threadId: number): ThreadKey => `${pid}-${threadId}`

/** Configuration the main process hands to every agent through the bootstrap file. */
export interface AgentConfig {
  version: typeof SPOOL_VERSION
  runId: string
  /** Absolute path of runs/<runId>. */
  runDir: string
  /** Sampling interval in microseconds (V8 `Profiler.setSamplingInterval`). */
  intervalUs: number
  /** A thread flushes a chunk at least this often (milliseconds) while its event loop turns. */
  flushIntervalMs: number
  /** Milliseconds between CPU clock readings while the event loop turns. */
  cpuReadIntervalMs: number
  /** Which sampler backend to use. */
  sampler: 'inspector'
  /** Milliseconds a parent waits for a worker to flush before it lets `terminate()` proceed anyway. */
  rescueTimeoutMs: number
  /** Option serializeConcurrent: the setup file runs a file's `test.concurrent` tests one at a time. */
  serializeConcurrent?: boolean
  /** A thread idle this long (ms) stops sampling until it wakes (agent/idle.ts); 0: never. */
  idlePauseMs: number
}

/** Written by the main process: once at start (no `endedAt`), rewritten at the end. */
export interface RunManifest {
  version: typeof SPOOL_VERSION
  runId: string
  /** Wall-clock ISO time, for humans only. */
  startedAt: string
  endedAt?: string
  /** Monotonic microseconds, comparable with every event. */
  startUs: number
  endUs?: number
  rootDir: string
  vitestVersion: string
  nodeVersion: string
  config: AgentConfig
}

/** How a CPU clock reading was obtained, best first. */
export type CpuClockKind =
  /** `process.threadCpuUsage()` (Node >= 22.19, per thread). */
  | 'thread-cpu-usage'
  /** `/proc/thread-self/schedstat` first field (Linux, any Node): on-CPU ns of the calling thread. */
  | 'schedstat'
  /** `process.cpuUsage()`: the whole process, correct only for a process's single JS thread. */
  | 'process-cpu-usage'
  /** No clock: CPU is estimated from work samples later (reported as such). */
  | 'none'

export type EndHow =
  /** The thread's event loop ended or `process.exit()` ran (exit handlers executed). */
  | 'exit'
  /** A parent called `worker.terminate()`; the agent flushed first through the inspector rescue. */
  | 'terminated'
  /** An uncaught exception ended the thread; flushed from `uncaughtExceptionMonitor`. */
  | 'uncaught'
  /** SIGTERM / SIGINT / SIGHUP reached the process; flushed in the handler, then the signal was re-raised. */
  | 'signal'
  /** The run ended while the thread was alive (vitest worker torn down after its last test): final flush. */
  | 'detached'
  /** Never written by an agent: the thread ended before its agent was ready, so before any of its own code ran. */
  | 'startup'
  /** Never written by an agent: its process was still running when the run was read (a process left running). */
  | 'running'
  /**
   * Never written by an agent: the reader's verdict on a thread that ended while its sampling was paused idle
   * (agent/idle.ts), which had written everything it sampled at the pause.
   */
  | 'idle'

interface EventBase {
  /** Monotonic microseconds. */
  at: number
}

export interface StartEvent extends EventBase {
  t: 'start'
  v: typeof SPOOL_VERSION
  pid: number
  threadId: number
  isMainThread: boolean
  /** ThreadKey of the thread that created this one, when known (env lineage, see agent/lineage.ts). */
  parent: ThreadKey | null
  ppid: number
  /**
   * A short label for humans (agent/script-name.ts): a worker's `name`, else the file name of its script,
   * `[worker eval]` or `data: URL`; a process's program and script file name (`node child.mjs`, `node [eval]`).
   * '' for a worker whose creator did not describe it (then see the role event).
   */
  title: string
  /**
   * The script: argv[1] in a process (the code of `node -e` as `eval: <first line>`); in a worker, as its creator
   * passed it to `new Worker()`: an absolute path, `eval: <first line>`, or a `data:` URL with its code cut short.
   */
  entry: string
  node: string
  sampler: AgentConfig['sampler']
  intervalUs: number
  cpuClock: CpuClockKind
  /** This agent writes a `ready` event once installed (absent in spools of older agents). */
  marksReady?: true
  /** True for the thread running vitest's test runner (it records windows). Set by a later `role` event. */
}

/** The thread turned out to be a vitest test runner thread (set when the setup file loads). */
export interface RoleEvent extends EventBase {
  t: 'role'
  role: 'vitest-worker'
  pool?: string
  project?: string
  /**
   * A pool worker whose creator described nothing (vitest's own workers, created by its unprofiled main
   * process): its script's path, known by now, and title as in StartEvent.
   */
  entry?: string
  title?: string
}

export interface CpuEvent extends EventBase {
  t: 'cpu'
  /** On-CPU microseconds of this thread since it started. */
  cpu: number
}

/** interval: the thread's heartbeat; file-end: the setup file's afterAll; final: the thread's last chunk (exit,
 * uncaught error, signal, or a parent's rescue before terminate()). */
export type ChunkReason = 'interval' | 'file-end' | 'final'

export interface ChunkEvent extends EventBase {
  t: 'chunk'
  seq: number
  file: string
  /** Profile startTime / endTime (us). */
  from: number
  to: number
  samples: number
  reason: ChunkReason
  /** CPU reading taken at the moment the chunk was stopped. */
  cpu: number
}

/** One test's window, written by the test's own thread when the test (with its hooks) ends. */
export interface WindowEvent extends EventBase {
  t: 'window'
  /** vitest task id (stable within a run, joins with the main process's TestCase.id). */
  testId: string
  /** Full name: suite names and test name joined by ' > '. */
  name: string
  /** Test file path relative to the project root. */
  file: string
  project: string
  start: number
  end: number
  cpuStart: number
  cpuEnd: number
  /** True if another window of this thread overlapped this one (`test.concurrent`). */
  concurrent: boolean
  /** vitest's state of this attempt when its window closed (a retry's window carries its own state). */
  state: 'pass' | 'fail' | 'skip' | 'unknown'
  /** vitest's retryCount during this attempt (0 on the first; it does not restart for `repeats`). */
  retry: number
  /**
   * 1-based number of this run of the test in its file: every retry and repeat is a window of its own. Absent in
   * spools written before it existed (read as retry + 1).
   */
  attempt?: number
  /** The describe blocks around the test, outermost first (absent in older spools: `name` holds them). */
  suite?: string[]
  /**
   * The attempt's budget verdict, judged in this thread when the attempt ended (budgets/attempt.ts; absent
   * when no budget applies). Its figures are the budget meter's (agent/meter.ts), in milliseconds; line and
   * function budgets are listed in `pending` and judged from the samples after the run.
   */
  budget?: import('../budgets/attempt.js').AttemptRecord
}

/** This thread created a worker thread or a child process. */
export interface SpawnEvent extends EventBase {
  t: 'spawn'
  kind: 'worker' | 'process'
  /** For workers: the child's threadId (same pid). */
  threadId?: number
  /** For processes: the child's pid. */
  pid?: number
  /** For processes: the command, for humans. */
  command?: string
}

/** A child process this thread created has exited (seen from the parent: the only witness of a SIGKILL). */
export interface ChildExitEvent extends EventBase {
  t: 'child-exit'
  pid: number
  code: number | null
  signal: string | null
  /**
   * MICROSECONDS of on-CPU time of the child and the descendants it reaped, from the OS (agent/child-cpu.ts:
   * what it added to this process's reaped-children CPU, Linux /proc), 10 ms resolution. null or absent: unknown
   * (no /proc; older spools). Only used for children that ran no agent of their own (not Node).
   */
  cpu?: number | null
}

/**
 * A reading of a live child process's CPU from the OS (Linux `/proc/<pid>/stat`, the child and the descendants
 * it reaped), us since it was spawned, non-decreasing per pid; written only for children whose command is not
 * Node, only when it grew. With the spawn (0) and the exit's `cpu`, it places the child's CPU in time.
 */
export interface ChildCpuEvent extends EventBase {
  t: 'child-cpu'
  pid: number
  cpu: number
}

/**
 * A synchronous spawn (spawnSync, execSync, execFileSync) returned or threw at `at`; it started at `start`.
 * The calling thread was blocked in between (its own clock does not count the child). `cpu`: us of the child
 * and its reaped descendants from the OS (null: unknown). `pid`: when Node gave it (spawnSync, or a failure).
 */
export interface SyncSpawnEvent extends EventBase {
  t: 'spawn-sync'
  start: number
  command: string
  pid?: number
  code: number | null
  signal: string | null
  cpu: number | null
}

/**
 * Sampling paused (`on: false`) because the thread sat idle (agent/idle.ts), or back on (`on: true`) when it
 * woke. Between the two the thread was not sampled and spent (almost) no CPU. The chunk written at the pause
 * holds everything sampled before it, so a thread that dies while paused has lost nothing.
 */
export interface SamplingEvent extends EventBase {
  t: 'sampling'
  on: boolean
  /** CPU reading at that moment. */
  cpu: number
}

/**
 * The agent is fully installed in this thread; the thread's own code runs after this. A thread that ended
 * before it (terminated or out of memory while the agent started) ran none of its code: it has nothing to lose.
 */
export interface ReadyEvent extends EventBase {
  t: 'ready'
}

/**
 * A worker this thread created has exited (its 'exit' event, with Node's exit code): the only witness of a worker
 * that ran no JS at its end (killed by its resourceLimits, exit code 1), as child-exit is for a SIGKILL.
 */
export interface WorkerExitEvent extends EventBase {
  t: 'worker-exit'
  threadId: number
  code: number
}

/** This thread called `terminate()` on one of its workers. */
export interface TerminateEvent extends EventBase {
  t: 'terminate'
  threadId: number
}

export interface EndEvent extends EventBase {
  t: 'end'
  how: EndHow
  detail?: string
}

export type SpoolEvent =
  | StartEvent
  | RoleEvent
  | CpuEvent
  | ChunkEvent
  | WindowEvent
  | SpawnEvent
  | ChildExitEvent
  | ChildCpuEvent
  | SyncSpawnEvent
  | SamplingEvent
  | ReadyEvent
  | TerminateEvent
  | WorkerExitEvent
  | EndEvent

/** A V8 CPU profile (DevTools protocol `Profiler.Profile`), as `Profiler.consoleProfileFinished` delivers it. */
export interface V8Profile {
  nodes: V8ProfileNode[]
  /** Microseconds, same clock as our events. */
  startTime: number
  endTime: number
  /** Node id of the leaf frame of each sample. */
  samples?: number[]
  /** Microseconds between consecutive samples; the first is relative to startTime. */
  timeDeltas?: number[]
}

export interface V8CallFrame {
  functionName: string
  scriptId: string
  url: string
  /** 0-based. */
  lineNumber: number
  /** 0-based. */
  columnNumber: number
}

export interface V8ProfileNode {
  id: number
  callFrame: V8CallFrame
  hitCount?: number
  children?: number[]
  /** `line` is 1-based (unlike callFrame.lineNumber). */
  positionTicks?: { line: number; ticks: number }[]
}
