/**
 * The test hooks of a profiling run, in vitest's test threads (the only agent code that imports vitest). They
 * record one window per test attempt: `aroundEach` registered first is the outermost wrapper of a test, so the
 * window covers the user's beforeEach/afterEach hooks too. Windows of `test.concurrent` tests overlap and are
 * recorded as such. afterAll flushes this thread and its live workers, because vitest ends its workers without
 * running exit handlers.
 *
 * This module is not the setup file itself. vitest imports a setup file added after its resolver was built
 * natively when it lies under node_modules/ (an installed vitest-profiler), and Node's ESM cache, or the vm
 * pools' module cache, then evaluates it once per worker: with `isolate: false` or a vm worker running several
 * files, top-level hooks reached only the first file's collector. The setup file is a per-run stub outside
 * node_modules (plugin/run-dir.ts), which vitest re-evaluates for every file; it calls installTestHooks(), so
 * the hooks are registered per file, and the per-thread parts below run once per thread.
 */
import { TestRunner, afterAll, aroundEach, expect } from 'vitest'
import { AGENT_GLOBAL, agentSlot } from './global.js'
import type { AgentApi } from './preload.js'
import type { WindowEvent } from '../spool/format.js'
import { installMeter, mark, measureSince } from './meter.js'
import { judge, planFor, profileCommand, recordAttempt, toMeasuredMs, type AttemptRecord, type BudgetSetupOptions } from '../budgets/attempt.js'
import type { TagDefinitionLike } from '../budgets/inherit.js'
import { makeBudgetMatcher } from '../budgets/matcher.js'
import { startSamplingHere } from './lazy-start.js'

// For bench/meter-cost.mjs: what installing the meter costs in a test process, as installTestHooks() does it.
export { installMeter }

interface TaskLike {
  id: string
  name: string
  type?: string
  fails?: boolean
  meta?: Record<string, unknown>
  tags?: string[]
  suite?: TaskLike
  file?: TaskLike & { projectName?: string }
  result?: { state?: string; retryCount?: number; repeatCount?: number }
}

/** Per thread, on the process object: this module can be evaluated more than once in one thread (vm contexts). */
interface ThreadState {
  roleMarked: boolean
  /** A file's hooks were installed and its afterAll has not flushed yet. */
  fileEndPending: boolean
  cleanupHooked: boolean
  /** Attempts so far per test id, in the current file. */
  attempts: Map<string, number>
  /** Attempts running now in this thread, and whether each overlapped another (test.concurrent). */
  running: Map<number, { shared: boolean }>
  seq: number
}

const STATE = Symbol.for('vitest-profiler.setup-state')

function threadState(): ThreadState {
  const holder = agentSlot() as unknown as Record<symbol, ThreadState | undefined>
  return (holder[STATE] ??= { roleMarked: false, fileEndPending: false, cleanupHooked: false, attempts: new Map(), running: new Map(), seq: 0 })
}

const getAgent = () => agentSlot()[Symbol.for(AGENT_GLOBAL)] as AgentApi | null | undefined

interface WorkerState {
  config?: { root?: string; tags?: TagDefinitionLike[] }
  onCleanup?: (fn: () => unknown) => void
}
const workerState = () => (globalThis as { __vitest_worker__?: WorkerState }).__vitest_worker__

/**
 * Called by the setup stub once per test file, before the file is collected. With profiling on (an agent in
 * this thread) it records the test windows and checks budgets; with profiling off (the plugin's budgets-only
 * stub) it checks budgets alone.
 */
export async function installTestHooks(options: BudgetSetupOptions = { profiling: true }): Promise<void> {
  // The test thread's meter: before any test file loads, and before any other setup file (budgets-only.ts, inject.ts
  // put this one first). A profiling run's preload has installed it already; a budgets-only run's preload leaves
  // it to this (meter-hook.ts). Idempotent.
  try {
    installMeter()
  } catch {}
  const agent = getAgent() ?? null
  const state = threadState()
  if (agent) {
    if (!state.roleMarked) {
      state.roleMarked = true
      agent.markRole(undefined, undefined)
    }
    // vitest runs no hook of a file whose tests are all skipped (the file's mode is 'skip'), so that file's
    // afterAll never flushed: close its segment now, before this file's collection starts.
    if (state.fileEndPending) await agent.flushAll('file-end')
    state.fileEndPending = true
    watchFileStart(agent, state)
    hookWorkerCleanup(agent, state)
  }
  state.attempts.clear()
  expect.extend({ toStayWithinBudget: makeBudgetMatcher({ mark, measureSince }) } as never)
  const root = workerState()?.config?.root ?? process.cwd()
  const tags = workerState()?.config?.tags
  let profiling = agent !== null
  // Profiling off: sampling starts in this thread at its first test with a line or function budget.
  let sampled: AgentApi | null = agent
  const samplingFor = (plan: ReturnType<typeof planFor>): AgentApi | null => {
    if (sampled || !options.lazyRun || !plan?.budget) return sampled
    if (plan.budget.lines.length === 0 && plan.budget.functions.length === 0) return null
    sampled = startSamplingHere(options.lazyRun)
    if (sampled) {
      profiling = true
      state.roleMarked = true
      sampled.markRole(undefined, undefined)
      state.fileEndPending = true
    }
    return sampled
  }

  // Option serializeConcurrent: one test of this file at a time, so no two windows overlap (exact attribution
  // of concurrent tests, at the price of their concurrency). The wait for the turn is outside the window.
  let turn: Promise<void> = Promise.resolve()
  const serialize = agent ? agent.serializeConcurrent : options.serializeConcurrent === true

  // vitest calls aroundEach once per attempt (each retry and repeat), with the same task object.
  aroundEach(async (runTest, context) => {
    let release = () => {}
    if (serialize) {
      const previous = turn
      turn = new Promise<void>((r) => (release = r))
      await previous
    }
    const task = (context as unknown as { task: TaskLike }).task
    const attempt = (state.attempts.get(task.id) ?? 0) + 1
    state.attempts.set(task.id, attempt)
    // Read during the attempt: vitest raises retryCount after the attempt's hooks, before the next one.
    const retry = task.result?.retryCount ?? 0
    const plan = planFor(task, options, tags, root)
    const windows = samplingFor(plan)
    const open = windows?.openWindow()
    const id = ++state.seq
    const me = { shared: state.running.size > 0 }
    for (const other of state.running.values()) other.shared = true
    state.running.set(id, me)
    // After the window opened (which resumes a paused sampler): the meter's start is the window's.
    const meterStart = plan ? mark() : null
    let threw = false
    let budgetError: Error | null = null
    let record: AttemptRecord | undefined
    try {
      await runTest()
    } catch (err) {
      threw = true
      throw err
    } finally {
      state.running.delete(id)
      if (plan && meterStart) ({ error: budgetError, record } = checkBudget(task, plan, meterStart, attempt, me.shared, profiling))
      if (windows && open) windows.closeWindow(open, { ...describeAttempt(task, attempt, retry, threw || budgetError !== null), ...(record ? { budget: record } : {}) })
      release()
    }
    // Thrown after the test ran, as an assertion would be: vitest fails this attempt (retry, reporters, exit code).
    if (budgetError) throw budgetError
  })

  afterAll(async () => {
    if (!sampled) return
    state.fileEndPending = false
    await sampled.flushAll('file-end')
  })
}

/** Judges the attempt's budget, records it in the task's meta, and returns it with the error to throw (or null). */
function checkBudget(
  task: TaskLike,
  plan: NonNullable<ReturnType<typeof planFor>>,
  start: ReturnType<typeof mark>,
  attempt: number,
  shared: boolean,
  profiling: boolean,
): { error: Error | null; record?: AttemptRecord } {
  try {
    const measured = toMeasuredMs(measureSince(start))
    const names = [...suiteNames(task), task.name]
    const hint = profiling
      ? '  lines: in the profiler report at the end of this run'
      : `  profile just this test to see its lines: ${profileCommand(task.file?.name ?? '', names)}`
    const { record, error } = judge(plan, measured, attempt, shared, hint)
    if (task.meta) recordAttempt(task.meta, record)
    return { error, record }
  } catch {
    // A failure of ours must not fail the user's test.
    return { error: null }
  }
}

/**
 * A file whose tests are all skipped (or whose collection failed) runs no hook at all, so its afterAll never
 * flushes, and vitest tears the worker down only after it has reported the run (the report then read the
 * worker as died unflushed). vitest's runSuite() assigns the file task's `result` when it starts the file;
 * seeing that assignment, before the file's result goes to the main process, is the one point in every such
 * file where this thread can still flush. The file task is the current suite's `file` while setup files run
 * (TestRunner.getCurrentSuite, vitest 4.1 and 5). The accessor replaces itself with the plain value at once.
 */
function watchFileStart(agent: AgentApi, state: ThreadState): void {
  let file: Record<string, unknown> | undefined
  try {
    file = (TestRunner as unknown as { getCurrentSuite?: () => { file?: Record<string, unknown> } }).getCurrentSuite?.()?.file
  } catch {}
  const own = file && Object.getOwnPropertyDescriptor(file, 'result')
  if (!file || (own && !own.configurable) || own?.value !== undefined) return
  const target = file
  Object.defineProperty(target, 'result', {
    configurable: true,
    enumerable: true,
    get: () => undefined,
    set(value: { state?: string } | undefined) {
      Object.defineProperty(target, 'result', { value, writable: true, enumerable: true, configurable: true })
      // 'run': the file's hooks run, and its afterAll flushes.
      if (value?.state === 'run' || !state.fileEndPending) return
      state.fileEndPending = false
      void agent.flushAll('file-end')
    },
  })
}

/**
 * The last file of a worker may be all-skipped too, and no next file then flushes for it: vitest's worker
 * teardown ('stop', awaited before it ends the worker in every pool) runs its cleanup listeners. `onCleanup`
 * is on vitest's worker state (globalThis.__vitest_worker__) in vitest 4 and 5; without it nothing changes.
 */
function hookWorkerCleanup(agent: AgentApi, state: ThreadState): void {
  if (state.cleanupHooked) return
  const worker = workerState()
  if (typeof worker?.onCleanup !== 'function') return
  state.cleanupHooked = true
  worker.onCleanup(async () => {
    if (!state.fileEndPending) return
    state.fileEndPending = false
    await agent.flushAll('file-end')
  })
}

/** The describe chain without the file (vitest's getNames walks the same `suite` links). */
function suiteNames(task: TaskLike): string[] {
  const names: string[] = []
  for (let s = task.suite; s; s = s.suite) {
    if (s === task.file || s.type === 'file' || 'filepath' in s) break
    if (s.name) names.unshift(s.name)
  }
  return names
}

type WindowInfo = Omit<WindowEvent, 't' | 'at' | 'start' | 'end' | 'cpuStart' | 'cpuEnd' | 'concurrent'>

function describeAttempt(task: TaskLike, attempt: number, retry: number, threw: boolean): WindowInfo {
  const suite = suiteNames(task)
  return {
    testId: task.id,
    name: [...suite, task.name].join(' > '),
    suite,
    file: task.file?.name ?? '',
    project: task.file?.projectName ?? '',
    state: attemptState(task, threw),
    retry,
    attempt,
  }
}

/**
 * The state of this attempt alone. When runTest() settles, vitest has set result.state for it ('pass' unless
 * it failed); result.errors is no use, since it keeps every earlier attempt's errors. `test.fails` is flipped
 * by vitest only after the last attempt: flipped here as vitest reports it.
 */
function attemptState(task: TaskLike, threw: boolean): WindowEvent['state'] {
  const s = task.result?.state
  if (s === 'skip') return 'skip'
  const failed = threw || s === 'fail'
  if (!failed && s !== 'pass') return 'unknown'
  return failed !== (task.fails === true) ? 'fail' : 'pass'
}
