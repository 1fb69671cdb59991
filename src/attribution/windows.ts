/**
 * Stage 5: which test does a sample belong to? Windows come from the vitest test thread (its `window` events);
 * a sample of that thread or of any thread/process it created (threads.ts `root`) belongs to every window of
 * that test thread whose (start, end] contains the sample's timestamp. All threads share one clock
 * (format.ts), so this is a timestamp comparison, whatever thread or process the sample came from.
 * - Overlapping windows (`test.concurrent`) both receive the sample; such tests are marked shared.
 * - A sample in no window is not dropped: it goes to the test thread's "outside tests" bucket of the test file
 *   that was running then (file setup, collection, hooks outside tests, pool start-up). Files are told apart by
 *   the `file-end` chunk the setup file flushes after each file; time before a thread's first file and after
 *   its last file-end belongs to no file.
 * - A thread with no test thread above it (lineage lost) goes to an "unattributed" bucket of its own.
 */
import type { ThreadKey, WindowEvent } from '../spool/format.js'
import type { ThreadTree } from './threads.js'

export interface TestWindow {
  /** Unique per window: testId, plus `#<attempts before this one>` when a test ran more than once (retries, repeats). */
  key: string
  thread: ThreadKey
  event: WindowEvent
  /** Keys of other windows of the same test thread that overlap this one. */
  sharedWith: string[]
}

export type BucketRef =
  | { kind: 'test'; window: TestWindow }
  | { kind: 'outside'; thread: ThreadKey; file: string | null }
  | { kind: 'unattributed'; thread: ThreadKey }

export interface WindowIndex {
  windows: TestWindow[]
  /** Windows of each test thread, sorted by start. */
  byThread: Map<ThreadKey, TestWindow[]>
  /** Per test thread: file segments ending at each `file-end` flush, in time order. */
  segments: Map<ThreadKey, { end: number; file: string | null }[]>
}

export function indexWindows(tree: ThreadTree, sinceUs?: number): WindowIndex {
  const windows: TestWindow[] = []
  const byThread = new Map<ThreadKey, TestWindow[]>()
  const segments = new Map<ThreadKey, { end: number; file: string | null }[]>()
  for (const node of tree.nodes.values()) {
    if (!node.isTestThread) continue
    const key = node.record.key
    const list = node.record.windows
      .filter((w) => sinceUs === undefined || w.start >= sinceUs)
      .map((w) => ({ key: windowKey(w), thread: key, event: w, sharedWith: [] as string[] }))
      .sort((a, b) => a.event.start - b.event.start)
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length && list[j]!.event.start < list[i]!.event.end; j++) {
        list[i]!.sharedWith.push(list[j]!.key)
        list[j]!.sharedWith.push(list[i]!.key)
      }
    }
    byThread.set(key, list)
    windows.push(...list)
    // Segment boundaries: each file-end flush closes the file whose windows came before it.
    const ends = node.record.chunks.filter((c) => c.event.reason === 'file-end').map((c) => c.event.at).sort((a, b) => a - b)
    const segs: { end: number; file: string | null }[] = []
    let prev = -Infinity
    for (const end of [...ends, Infinity]) {
      const inside = node.record.windows.find((w) => w.start > prev && w.start <= end)
      segs.push({ end, file: inside?.file ?? null })
      prev = end
    }
    segments.set(key, segs)
  }
  return { windows, byThread, segments }
}

/** Spools written before `attempt` existed numbered attempts by vitest's retryCount alone. */
export const attemptOf = (w: WindowEvent): number => w.attempt ?? w.retry + 1

function windowKey(w: WindowEvent): string {
  const n = attemptOf(w)
  return n > 1 ? `${w.testId}#${n - 1}` : w.testId
}

/**
 * Calls `visit` with the buckets of each timestamp of one thread. `stamps` must be sorted; the callback gets
 * the index into `stamps`. Sweep over sorted windows, so the cost is O(samples + windows). The same bucket gets
 * the same ref object, and an unchanged set of buckets the same array (do not mutate either).
 */
export function assignBuckets(
  index: WindowIndex,
  root: ThreadKey | null,
  thread: ThreadKey,
  stamps: { ts: number }[],
  visit: (i: number, buckets: BucketRef[]) => void,
): void {
  if (!root) {
    const b: BucketRef[] = [{ kind: 'unattributed', thread }]
    for (let i = 0; i < stamps.length; i++) visit(i, b)
    return
  }
  const wins = index.byThread.get(root) ?? []
  const segs = index.segments.get(root) ?? [{ end: Infinity, file: null }]
  const outsideRefs = segs.map((s): BucketRef[] => [{ kind: 'outside', thread: root, file: s.file }])
  // One ref per window and one array per set of active windows, handed out again while the set is unchanged:
  // callers key their per-bucket state by these objects (thousands of samples share a few buckets).
  const testRefs = new Map<TestWindow, BucketRef>(wins.map((window) => [window, { kind: 'test', window }]))
  let next = 0
  let seg = 0
  let active: TestWindow[] = []
  let activeRefs: BucketRef[] = []
  for (let i = 0; i < stamps.length; i++) {
    const ts = stamps[i]!.ts
    let changed = false
    while (next < wins.length && wins[next]!.event.start < ts) {
      active.push(wins[next++]!)
      changed = true
    }
    if (active.some((w) => w.event.end < ts)) {
      active = active.filter((w) => w.event.end >= ts)
      changed = true
    }
    if (changed) activeRefs = active.map((w) => testRefs.get(w)!)
    if (active.length) {
      visit(i, activeRefs)
      continue
    }
    while (seg < segs.length - 1 && segs[seg]!.end < ts) seg++
    visit(i, outsideRefs[seg]!)
  }
}

export function bucketKey(b: BucketRef): string {
  switch (b.kind) {
    case 'test':
      return `test:${b.window.thread}:${b.window.key}`
    case 'outside':
      return `outside:${b.thread}:${b.file ?? ''}`
    case 'unattributed':
      return `unattributed:${b.thread}`
  }
}

/** The test's names below its file: describe blocks outermost first, then the test itself. */
export function testPath(w: WindowEvent): string[] {
  if (!w.suite?.length) return [w.name]
  const prefix = `${w.suite.join(' > ')} > `
  return [...w.suite, w.name.startsWith(prefix) ? w.name.slice(prefix.length) : w.name]
}

/** `project › describe › test` (no project part for an unnamed project): what tells two tests apart in a report. */
export function fullTestName(w: WindowEvent): string {
  return [...(w.project ? [w.project] : []), ...testPath(w)].join(' › ')
}
