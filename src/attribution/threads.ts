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

/**
 * What a thread ran, for humans (agent/script-name.ts): its start event's, or, for a vitest pool worker that
 * nobody described at its start (vitest's main process is not profiled), its role event's.
 */
export function threadScript(record: ThreadRecord): { title: string; entry: string } {
  return { title: record.start.title || record.role?.title || '', entry: record.start.entry || record.role?.entry || '' }
}

export type ThreadEnding =
  | { status: 'flushed'; how: string; detail?: string }
  | { status: 'unflushed'; lastFlushUs: number | null; diedAtUs: number | null; signal: string | null; exitCode?: number }

export interface ThreadTree {
  nodes: Map<ThreadKey, ThreadNode>
  /** Threads or node processes that we know ran (spawn events) but that left no spool folder. */
  missing: { parent: ThreadKey; kind: 'worker' | 'process'; id: number; command?: string }[]
  /** Processes that are not Node (no agent, no samples, no lines): only the OS's CPU of them is known. */
  native: NativeProcess[]
  /**
   * Workers their creator terminated before their agent made a spool folder, so before any of their own code
   * ran (the agent is the first thing a thread runs): nothing of them to lose.
   */
  neverRan: { parent: ThreadKey; id: number }[]
}

/** A child process that ran no agent of its own (esbuild, sh, a compiler), as its parent recorded it. */
export interface NativeProcess {
  /** The thread that spawned it. */
  parent: ThreadKey
  /** That thread's test thread (its windows place the CPU), null when unknown. */
  root: ThreadKey | null
  pid: number | null
  command: string
  /** spawnSync / execSync / execFileSync: the parent was blocked from `from` to `to`. */
  sync: boolean
  from: number
  /** Its exit as the parent saw it; null: it outlived its parent's records (esbuild's service process). */
  to: number | null
  code: number | null
  signal: string | null
  /** OS CPU readings, us since it started, non-decreasing, beginning at (from, 0); empty when unknown. */
  readings: { at: number; cpu: number }[]
  /** Its CPU from the OS (us), null when unknown (no /proc on this platform, or an older spool). */
  cpuUs: number | null
  /**
   * Profiled Node processes it started (`sh -c 'node x; …'`): their CPU is in its OS figure but already counted by
   * their own clocks, so none of its CPU is attributed.
   */
  wraps: ThreadKey[]
}

export function buildThreadTree(run: RunData): ThreadTree {
  const byKey = new Map(run.threads.map((t) => [t.key, t]))
  const spawnedBy = new Map<ThreadKey, ThreadKey>()
  const exits = new Map<number, { at: number; signal: string | null }>()
  const workerExits = new Map<ThreadKey, { at: number; code: number }>()
  const missing: ThreadTree['missing'] = []
  const native: NativeProcess[] = []
  const neverRan: ThreadTree['neverRan'] = []
  for (const t of run.threads) {
    for (const s of t.spawns) {
      const child = s.kind === 'worker' ? `${t.start.pid}-${s.threadId}` : `${s.pid}-0`
      if (byKey.has(child)) spawnedBy.set(child, t.key)
      else if (s.kind === 'worker' && t.terminations.some((x) => x.threadId === s.threadId)) neverRan.push({ parent: t.key, id: s.threadId ?? -1 })
      else if (s.kind === 'worker' || looksLikeNode(s.command)) {
        missing.push({ parent: t.key, kind: s.kind, id: (s.kind === 'worker' ? s.threadId : s.pid) ?? -1, ...(s.command ? { command: s.command } : {}) })
      } else if (s.pid !== undefined) native.push(asyncNative(run, t, s.pid, s.at, s.command ?? ''))
    }
    for (const s of t.syncSpawns) {
      // A Node child of a synchronous call runs its own agent; its pid is known only from spawnSync, so it is
      // found by its lineage: created by this thread while the thread was blocked in the call.
      const below = run.threads.filter((c) => c.start.isMainThread && c.start.parent === t.key && c.start.at >= s.start && c.start.at <= s.at)
      // The child itself ran Node (a shell that exec'd `node` is that same process: its parent is this process).
      if ((s.pid !== undefined && byKey.has(`${s.pid}-0`)) || below.some((c) => c.start.ppid === t.start.pid)) continue
      if (looksLikeNode(s.command)) {
        missing.push({ parent: t.key, kind: 'process', id: s.pid ?? -1, command: s.command })
        continue
      }
      const readings = s.cpu === null ? [] : [{ at: s.start, cpu: 0 }, { at: s.at, cpu: s.cpu }]
      native.push({ parent: t.key, root: null, pid: s.pid ?? null, command: s.command, sync: true, from: s.start, to: s.at, code: s.code, signal: s.signal, readings, cpuUs: s.cpu, wraps: below.map((c) => c.key) })
    }
    for (const e of t.childExits) exits.set(e.pid, { at: e.at, signal: e.signal })
    for (const e of t.workerExits) workerExits.set(`${t.start.pid}-${e.threadId}`, { at: e.at, code: e.code })
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
      ending: endingOf(t, exits.get(t.start.pid), workerExits.get(t.key)),
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
  for (const p of native) p.root = nodes.get(p.parent)?.root ?? null
  return { nodes, missing, native, neverRan }
}

/** An asynchronously spawned child with no spool of its own: its readings and exit from its parent's records. */
function asyncNative(run: RunData, t: ThreadRecord, pid: number, from: number, command: string): NativeProcess {
  const exit = t.childExits.find((e) => e.pid === pid && e.at >= from)
  const readings = [{ at: from, cpu: 0 }]
  for (const r of t.childCpu) if (r.pid === pid && r.at >= from && (!exit || r.at <= exit.at)) readings.push({ at: r.at, cpu: r.cpu })
  if (typeof exit?.cpu === 'number') readings.push({ at: exit.at, cpu: exit.cpu })
  // Readings are each at least the last one (child-cpu.ts bounds the exit by it); keep the spec's invariant anyway.
  for (let i = 1; i < readings.length; i++) readings[i]!.cpu = Math.max(readings[i]!.cpu, readings[i - 1]!.cpu)
  const known = readings.length > 1
  const to = exit?.at ?? null
  // Node processes it started itself (their parent pid is its pid). Lineage alone cannot tell which of several
  // live children of this thread started one deeper down, and claiming a long-lived esbuild service that way
  // would drop all of its CPU: deeper wrappers (sh -> sh -> node) are not recognised.
  const wraps = run.threads.filter((c) => c.start.isMainThread && c.start.ppid === pid && c.start.at >= from).map((c) => c.key)
  return {
    parent: t.key,
    root: null,
    pid,
    command,
    sync: false,
    from,
    to,
    code: exit?.code ?? null,
    signal: exit?.signal ?? null,
    readings: known ? readings : [],
    cpuUs: known ? readings[readings.length - 1]!.cpu : null,
    wraps,
  }
}

function endingOf(
  t: ThreadRecord,
  exit: { at: number; signal: string | null } | undefined,
  workerExit: { at: number; code: number } | undefined,
): ThreadEnding {
  if (t.end) return { status: 'flushed', how: t.end.how, ...(t.end.detail ? { detail: t.end.detail } : {}) }
  // Paused while idle (agent/idle.ts) and never woken: the pause wrote everything sampled before it, so however
  // the thread then ended (a pool left open, torn down with its process), nothing was lost.
  const lastSampling = t.sampling[t.sampling.length - 1]
  if (lastSampling && !lastSampling.on) return { status: 'flushed', how: 'idle' }
  // Ended while its agent started (terminated or out of memory there): none of its own code ran.
  if (t.start.marksReady && !t.ready) return { status: 'flushed', how: 'startup' }
  const lastChunk = t.chunks[t.chunks.length - 1]
  // vitest ends its own workers without running exit handlers; the setup file's file-end flush, after the last
  // window, is their final flush (nothing after it belongs to any test). Interval flushes may follow it before
  // the run is read (seen on vitest 5): they do not make the thread incomplete.
  const lastWindowEnd = Math.max(-Infinity, ...t.windows.map((w) => w.end))
  if (t.chunks.some((c) => c.event.reason === 'file-end' && c.event.at >= lastWindowEnd)) {
    return { status: 'flushed', how: 'file-end' }
  }
  // A process a test left running outlives the run (tinypool's child_process worker, 2.3 s after its parent):
  // what it samples after this read is not in this report, but nothing is lost.
  // (A worker whose exit its parent saw is dead, however alive its process.)
  if (t.runningAtRead && !workerExit) return { status: 'flushed', how: 'running' }
  return {
    status: 'unflushed',
    // Everything before the last flush is on disk; a thread that never flushed (a process killed while stuck in
    // a synchronous loop, whose flush timer never ran) lost everything since it started, which bounds the loss
    // just as well, so the summary can still state it.
    lastFlushUs: lastChunk ? lastChunk.event.at : t.start.at,
    diedAtUs: t.start.isMainThread ? (exit?.at ?? null) : (workerExit?.at ?? null),
    signal: t.start.isMainThread ? (exit?.signal ?? null) : null,
    // A worker that ran none of our code at its end: its parent saw the exit code (1: its resourceLimits).
    ...(!t.start.isMainThread && workerExit ? { exitCode: workerExit.code } : {}),
  }
}

function looksLikeNode(command: string | undefined): boolean {
  if (!command) return false
  const bin = command.split(' ')[0] ?? ''
  return /(^|[\\/])node(\.exe)?$/.test(bin) || bin === process.execPath
}

/**
 * The run's completeness record. seen: every thread and process known to have existed (spool folders, the
 * spawn records of those that left none, processes that are not Node). received: threads whose spool was read
 * and that ran code under the agent (a thread with no samples still counts: paused idle, or too short-lived
 * to sample, its CPU clock is there). endedBeforeRunning: threads that ended while their agent was starting,
 * or that were terminated before it could start, so before any of their own code ran: nothing of them is lost.
 */
export function threadCounts(tree: ThreadTree): { seen: number; received: number; endedBeforeRunning: number } {
  const nodes = [...tree.nodes.values()]
  const startup = nodes.filter((n) => n.ending.status === 'flushed' && n.ending.how === 'startup').length
  return {
    seen: tree.nodes.size + tree.missing.length + tree.native.length + tree.neverRan.length,
    received: nodes.length - startup,
    endedBeforeRunning: startup + tree.neverRan.length,
  }
}
