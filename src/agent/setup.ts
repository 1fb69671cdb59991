/**
 * The setup file injected into every project of a profiling run. It runs in vitest's test threads (the only
 * agent code that imports vitest) and records one window per test: `aroundEach` registered here is the
 * outermost wrapper of a test, so the window covers the user's beforeEach/afterEach hooks too. Windows of
 * `test.concurrent` tests overlap and are recorded as such. afterAll flushes this thread and its live workers,
 * because vitest ends its workers without running exit handlers.
 */
import { afterAll, aroundEach } from 'vitest'
import { AGENT_GLOBAL, agentSlot } from './global.js'
import type { AgentApi } from './preload.js'
import type { WindowEvent } from '../spool/format.js'

interface TaskLike {
  id: string
  name: string
  suite?: TaskLike
  file?: { name: string; projectName?: string }
  result?: { state?: string; errors?: unknown[]; retryCount?: number }
}

const agent = agentSlot()[Symbol.for(AGENT_GLOBAL)] as AgentApi | null | undefined

if (agent) {
  agent.markRole(undefined, undefined)

  // Option serializeConcurrent: one test of this file at a time, so no two windows overlap (exact attribution
  // of concurrent tests, at the price of their concurrency). The wait for the turn is outside the window.
  let turn: Promise<void> = Promise.resolve()
  const serialize = process.env.VITEST_PROFILER_SERIALIZE_CONCURRENT === '1'

  aroundEach(async (runTest, context) => {
    let release = () => {}
    if (serialize) {
      const previous = turn
      turn = new Promise<void>((r) => (release = r))
      await previous
    }
    const open = agent.openWindow()
    try {
      await runTest()
    } finally {
      const task = (context as unknown as { task: TaskLike }).task
      agent.closeWindow(open, describeTask(task))
      release()
    }
  })

  afterAll(async () => {
    await agent.flushAll('file-end')
  })
}

function describeTask(task: TaskLike): Omit<WindowEvent, 't' | 'at' | 'start' | 'end' | 'cpuStart' | 'cpuEnd' | 'concurrent'> {
  const names: string[] = []
  for (let t: TaskLike | undefined = task; t; t = t.suite) if (t.name && t.suite) names.unshift(t.name)
  if (!names.length) names.push(task.name)
  const errors = task.result?.errors?.length ?? 0
  return {
    testId: task.id,
    name: names.join(' > '),
    file: task.file?.name ?? '',
    project: task.file?.projectName ?? '',
    state: errors > 0 ? 'fail' : task.result?.state === 'skip' ? 'skip' : 'pass',
    retry: task.result?.retryCount ?? 0,
  }
}
