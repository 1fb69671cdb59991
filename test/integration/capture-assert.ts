/**
 * Assertions shared by the capture tests: which threads and processes a test created, whether their scenario
 * work (samples in the fixtures' `spinFor`) landed inside that test's window, and how each one ended.
 * Floors are small on purpose: two shared cores under other test runs give far fewer samples than the interval
 * suggests (PLATFORM-FACTS.md), but zero is always a failure.
 */
import { expect } from 'vitest'
import type { FixtureRun } from '../helpers/run-fixture.js'
import type { ThreadRecord } from '../../src/spool/reader.js'
import type { WindowEvent } from '../../src/spool/format.js'
import { buildThreadTree, type ThreadNode } from '../../src/attribution/threads.js'
import { expandSamples, stackFrames } from '../../src/attribution/samples.js'

/** What one scenario test must have produced. */
export interface Expected {
  /** Threads / processes the test created (directly or nested), all with work in its window. */
  threads: number
  kind: 'worker' | 'process'
  /** Allowed endings, e.g. 'exit', 'terminated', 'uncaught', 'signal', 'file-end', or 'unflushed'. */
  endings: string[]
  /** Optional check of the `end` detail (e.g. 'code 7'). */
  detail?: RegExp
}

export const SPIN_FLOOR = 10

export function spinSampleTimes(t: ThreadRecord): number[] {
  return expandSamples(t)
    .filter((s) => stackFrames(s.stack).some((f) => f.functionName === 'spinFor'))
    .map((s) => s.ts)
}

export function endingLabel(n: ThreadNode): string {
  return n.ending.status === 'flushed' ? n.ending.how : 'unflushed'
}

/** Checks every scenario; returns the nodes per test name for further checks. */
export function checkScenarios(r: FixtureRun, expected: Record<string, Expected>): Map<string, ThreadNode[]> {
  expect(r.run, r.output).not.toBeNull()
  const run = r.run!
  const tree = buildThreadTree(run)
  const testThreads = [...tree.nodes.values()].filter((n) => n.isTestThread)
  expect(testThreads.length, 'one vitest test thread ran the file').toBe(1)
  const testThread = testThreads[0]!
  const windows = new Map<string, WindowEvent>(testThread.record.windows.map((w) => [w.name, w]))
  expect([...windows.keys()].sort()).toEqual(Object.keys(expected).sort())
  expect(tree.missing, 'spawned threads/processes with no spool folder').toEqual([])

  const byTest = new Map<string, ThreadNode[]>()
  for (const n of tree.nodes.values()) {
    if (n.isTestThread) continue
    // Every other thread descends from the test thread (lineage or the parent's spawn record).
    expect(n.root, `${n.record.key} is attributed to the test thread`).toBe(testThread.record.key)
    const w = [...windows.values()].find((w) => w.start <= n.record.start.at && n.record.start.at <= w.end)
    expect(w, `${n.record.key} started inside a test window`).toBeDefined()
    const list = byTest.get(w!.name) ?? []
    list.push(n)
    byTest.set(w!.name, list)
  }
  for (const [name, exp] of Object.entries(expected)) {
    const nodes = byTest.get(name) ?? []
    const w = windows.get(name)!
    expect(nodes.length, `threads/processes of '${name}'`).toBe(exp.threads)
    for (const n of nodes) {
      const where = `${n.record.key} of '${name}'`
      expect(n.kind, where).toBe(exp.kind)
      const spins = spinSampleTimes(n.record)
      expect(spins.length, `${where}: samples of its work`).toBeGreaterThan(SPIN_FLOOR)
      // All of its work happened during this test: no sample may fall outside the window.
      const outside = spins.filter((ts) => ts < w.start || ts > w.end)
      expect(outside, `${where}: work samples outside [${w.start}, ${w.end}]`).toEqual([])
      expect(exp.endings, `${where}: ending ${JSON.stringify(n.ending)}`).toContain(endingLabel(n))
      if (exp.detail && n.ending.status === 'flushed') expect(n.ending.detail, where).toMatch(exp.detail)
    }
    const t = r.summary!.tests.find((t) => t.name === name)!
    // At least its own threads; under contention a pool left open by an earlier test can still be finishing
    // its own bookkeeping (a postMessage after the result was handed over) inside this window.
    expect(t.workerThreads, `summary of '${name}': threads with work`).toBeGreaterThanOrEqual(exp.threads)
    expect(t.samplesWorkers, `summary of '${name}': worker samples`).toBeGreaterThan(SPIN_FLOOR * exp.threads)
  }
  return byTest
}

/** Seen vs. received, from the read-back summary and as the reporter printed it at the end of the run. */
export function checkSeenReceived(r: FixtureRun, seen: number, received: number, unflushed = 0): void {
  expect(r.summary!.threadsSeen).toBe(seen)
  expect(r.summary!.profilesReceived).toBe(received)
  const line = `threads/processes seen: ${seen}, profiles received: ${received}`
  expect(r.output).toContain(unflushed ? `${line}, died unflushed: ${unflushed}` : `${line}\n`)
}
