/**
 * The thread tree of a run: who created whom, which vitest test thread each thread works for, and what was
 * seen versus what was received. Pure: takes the reader's records, returns plain data.
 */
import type { RunData, ThreadRecord } from '../spool/reader.js'
import type { ThreadKey } from '../spool/format.js'

export interface ThreadNode {
  record: ThreadRecord
  parent: ThreadKey | null
  /** The vitest test thread whose windows this thread's samples are attributed to (itself for a test thread). */
  root: ThreadKey | null
  isTestThread: boolean
  kind: 'vitest-worker' | 'worker' | 'process'
  /** How the thread ended, from its own `end` event or, failing that, from its parent's `child-exit`. */
  ending: ThreadEnding
}

export type ThreadEnding =
  | { status: 'flushed'; how: string; detail?: string }
  | { status: 'unflushed'; lastFlushUs: number | null; diedAtUs: number | null; signal: string | null }

export interface ThreadTree {
  nodes: Map<ThreadKey, ThreadNode>
  /** Threads or node processes that we know ran (spawn events) but that left no spool folder. */
  missing: { parent: ThreadKey; kind: 'worker' | 'process'; id: number; command?: string }[]
}

export function buildThreadTree(run: RunData): ThreadTree {
  const byKey = new Map(run.threads.map((t) => [t.key, t]))
  const spawnedBy = new Map<ThreadKey, ThreadKey>()
  const exits = new Map<number, { at: number; signal: string | null }>()
  const missing: ThreadTree['missing'] = []
  for (const t of run.threads) {
    for (const s of t.spawns) {
      const child = s.kind === 'worker' ? `${t.start.pid}-${s.threadId}` : `${s.pid}-0`
      if (byKey.has(child)) spawnedBy.set(child, t.key)
      else if (s.kind === 'worker' || looksLikeNode(s.command)) {
        missing.push({ parent: t.key, kind: s.kind, id: (s.kind === 'worker' ? s.threadId : s.pid) ?? -1, ...(s.command ? { command: s.command } : {}) })
      }
    }
    for (const e of t.childExits) exits.set(e.pid, { at: e.at, signal: e.signal })
  }
  const nodes = new Map<ThreadKey, ThreadNode>()
  for (const t of run.threads) {
    // The parent's own spawn record is exact; env lineage is the fallback (see agent/lineage.ts).
    const envParent = t.start.parent && byKey.has(t.start.parent) ? t.start.parent : null
    const parent = spawnedBy.get(t.key) ?? envParent
    const isTestThread = t.role?.role === 'vitest-worker' || t.windows.length > 0
    nodes.set(t.key, {
      record: t,
      parent,
      root: null,
      isTestThread,
      kind: isTestThread ? 'vitest-worker' : t.start.isMainThread ? 'process' : 'worker',
      ending: endingOf(t, exits.get(t.start.pid)),
    })
  }
  for (const node of nodes.values()) {
    let cursor: ThreadNode | undefined = node
    const guard = new Set<ThreadKey>()
    while (cursor && !cursor.isTestThread && cursor.parent && !guard.has(cursor.record.key)) {
      guard.add(cursor.record.key)
      cursor = nodes.get(cursor.parent)
    }
    node.root = cursor?.isTestThread ? cursor.record.key : null
  }
  return { nodes, missing }
}

function endingOf(t: ThreadRecord, exit: { at: number; signal: string | null } | undefined): ThreadEnding {
  if (t.end) return { status: 'flushed', how: t.end.how, ...(t.end.detail ? { detail: t.end.detail } : {}) }
  const lastChunk = t.chunks[t.chunks.length - 1]
  // vitest ends its own workers without running exit handlers; the setup file's file-end flush, after the last
  // window, is their final flush (nothing after it belongs to any test). Interval flushes may follow it before
  // the run is read (seen on vitest 5): they do not make the thread incomplete.
  const lastWindowEnd = Math.max(-Infinity, ...t.windows.map((w) => w.end))
  if (t.chunks.some((c) => c.event.reason === 'file-end' && c.event.at >= lastWindowEnd)) {
    return { status: 'flushed', how: 'file-end' }
  }
  return {
    status: 'unflushed',
    // Everything before the last flush is on disk; a thread that never flushed (a process killed while stuck in
    // a synchronous loop, whose flush timer never ran) lost everything since it started, which bounds the loss
    // just as well, so the summary can still state it.
    lastFlushUs: lastChunk ? lastChunk.event.at : t.start.at,
    diedAtUs: t.start.isMainThread ? (exit?.at ?? null) : null,
    signal: t.start.isMainThread ? (exit?.signal ?? null) : null,
  }
}

function looksLikeNode(command: string | undefined): boolean {
  if (!command) return false
  const bin = command.split(' ')[0] ?? ''
  return /(^|[\\/])node(\.exe)?$/.test(bin) || bin === process.execPath
}
