/**
 * One small table per process, shared by all of its threads, through which a parent learns about its workers
 * without interrupting them, and tells them one thing without a message.
 *
 * How it is shared: one SharedArrayBuffer per process, handed to every worker invisibly through Node's
 * environment data (`setEnvironmentData`: each new worker gets a structured clone of its creator's, which for a
 * SharedArrayBuffer is the same memory). Slot `threadId & MASK` of each column belongs to that worker; a column
 * entry counts only while its `owner` entry holds the full threadId.
 *
 * Columns:
 * - terminating: the parent sets it synchronously inside `terminate()`; the worker's `postMessage`
 *   (MessagePort, BroadcastChannel) then drops every message, as a worker that Node had stopped at once could
 *   never have sent it. Without profiling, terminate() stops a worker's JS almost at once; with it, the parent
 *   first has the worker flush (a few ms), and the worker's code runs on meanwhile. tinypool ends a worker whose
 *   task posted on parentPort, and the task's result, posted a few ms later, became an unhandled "Unexpected
 *   message from Worker" error (exit code 1) only under profiling.
 * - beat: ms (since the table's base) of the worker's own last timer tick: a worker whose timer runs needs no
 *   heartbeat from its parent.
 * - paused: 1 while the worker is idle with its sampler paused (idle.ts): nothing to read or flush there.
 * - parent: the threadId of the thread that created the worker, written by that thread as it creates it. Only
 *   the parent sends a worker its heartbeats: every controller sees every worker of the process, and an
 *   evaluation of the main thread's still in flight when a nested pool terminated its worker swallowed that
 *   termination (its destroy() never returned: a test that makes a pool inside a pool worker hung).
 */
import { BroadcastChannel, MessagePort, getEnvironmentData, isMainThread, setEnvironmentData, threadId } from 'node:worker_threads'
import { monoMs } from '../spool/format.js'

const KEY = 'vitest-profiler.thread-table'
const SLOTS = 1 << 14
const MASK = SLOTS - 1
const enum Col {
  Owner = 0,
  Terminating = 1,
  Beat = 2,
  Paused = 3,
  Parent = 4,
  Ready = 5,
}
const COLUMNS = 6
/** Slot 0 of the buffer's tail holds the base time; columns start after it. */
const HEADER = 2

let table: Int32Array | null = null
let baseMs = 0
// The process's monotonic clock (monoMs), the same in every thread of it. Not `performance`: the first use of
// that global in a thread loads perf_hooks (about 1.1 ms of a new worker's start, measured on Node 20).

function get(): Int32Array {
  if (table) return table
  const inherited = getEnvironmentData(KEY)
  if (inherited instanceof SharedArrayBuffer) {
    table = new Int32Array(inherited)
  } else {
    table = new Int32Array(new SharedArrayBuffer((HEADER + SLOTS * COLUMNS) * 4))
    // A base in whole seconds of the monotonic clock, stored in two halves: beats fit in an int32.
    const base = Math.floor(monoMs() / 1000)
    table[0] = base >>> 16
    table[1] = base & 0xffff
  }
  baseMs = ((table[0]! << 16) + table[1]!) * 1000
  setEnvironmentData(KEY, table.buffer as SharedArrayBuffer)
  return table
}

const at = (col: Col, tid: number) => HEADER + col * SLOTS + (tid & MASK)
const nowMs = () => Math.floor(monoMs() - baseMs)

function owns(t: Int32Array, tid: number): boolean {
  return Atomics.load(t, at(Col.Owner, tid)) === tid
}

/** Claims this thread's slot (a new thread may reuse the slot of one long gone). */
export function registerThread(): void {
  const t = get()
  if (isMainThread) return
  // Its creator may have claimed the slot already (setParent): keep its parent entry then.
  if (!owns(t, threadId)) Atomics.store(t, at(Col.Parent, threadId), 0)
  Atomics.store(t, at(Col.Terminating, threadId), 0)
  Atomics.store(t, at(Col.Ready, threadId), 0)
  Atomics.store(t, at(Col.Paused, threadId), 0)
  Atomics.store(t, at(Col.Beat, threadId), nowMs())
  Atomics.store(t, at(Col.Owner, threadId), threadId)
}

/** The calling worker's agent is installed: its own code runs from now on. */
export function markReady(): void {
  if (!isMainThread) Atomics.store(get(), at(Col.Ready, threadId), 1)
}

/**
 * False while a worker's agent has not finished starting: it has run none of its own code and holds no
 * samples, so its terminate() needs no rescue (a rescue would wait for it to attach: 16 workers terminated
 * right after creation took up to 250 ms each, one after another).
 */
export function isReady(workerThreadId: number): boolean {
  const t = get()
  return !owns(t, workerThreadId) || Atomics.load(t, at(Col.Ready, workerThreadId)) === 1
}

/** Called by the creating thread as it creates a worker (before the worker's own agent can run). */
export function setParent(workerThreadId: number, parentThreadId: number): void {
  const t = get()
  if (workerThreadId <= 0) return
  Atomics.store(t, at(Col.Parent, workerThreadId), parentThreadId + 1)
  Atomics.store(t, at(Col.Ready, workerThreadId), 0)
  Atomics.store(t, at(Col.Owner, workerThreadId), workerThreadId)
}

/** Called by the parent, synchronously inside `worker.terminate()`. */
export function markTerminating(workerThreadId: number): void {
  const t = get()
  if (workerThreadId > 0 && owns(t, workerThreadId)) Atomics.store(t, at(Col.Terminating, workerThreadId), 1)
}

export function isTerminating(): boolean {
  if (isMainThread) return false
  const t = get()
  return owns(t, threadId) && Atomics.load(t, at(Col.Terminating, threadId)) === 1
}

/** This thread's own timer ran. */
export function beat(): void {
  if (!isMainThread) Atomics.store(get(), at(Col.Beat, threadId), nowMs())
}

export function setPaused(paused: boolean): void {
  if (!isMainThread) Atomics.store(get(), at(Col.Paused, threadId), paused ? 1 : 0)
}

/**
 * Whether a call from `fromThreadId` (a file-end flush, a heartbeat) should reach this worker: it is that
 * thread's own child (or its creator is unknown), alive, not being terminated, not paused idle. Unknown
 * workers (no slot of theirs yet) do.
 */
export function isOwnLiveWorker(workerThreadId: number, fromThreadId: number): boolean {
  const t = get()
  if (!owns(t, workerThreadId)) return true
  if (!mayCall(workerThreadId) || Atomics.load(t, at(Col.Paused, workerThreadId)) === 1) return false
  const parent = Atomics.load(t, at(Col.Parent, workerThreadId)) - 1
  return parent < 0 || parent === fromThreadId
}

/** isOwnLiveWorker, and its own timer has not run for `staleMs` (busy, or in Atomics.wait before its pause). */
export function needsHeartbeat(workerThreadId: number, staleMs: number, fromThreadId: number): boolean {
  if (!isOwnLiveWorker(workerThreadId, fromThreadId)) return false
  const t = get()
  return !owns(t, workerThreadId) || nowMs() - Atomics.load(t, at(Col.Beat, workerThreadId)) > staleMs
}

/** False once anyone asked for this worker's termination: nothing of ours may be in flight there then. */
export function mayCall(workerThreadId: number): boolean {
  const t = get()
  return !(owns(t, workerThreadId) && Atomics.load(t, at(Col.Terminating, workerThreadId)) === 1)
}

const PATCHED = Symbol.for('vitest-profiler.post-gate')

/** In a worker: postMessage says nothing once the parent asked for this worker's termination. */
export function installTerminationGate(): void {
  registerThread()
  if (isMainThread) return
  for (const proto of [MessagePort.prototype, BroadcastChannel.prototype] as { postMessage: (...a: unknown[]) => void; [PATCHED]?: true }[]) {
    if (proto[PATCHED]) continue
    const original = proto.postMessage
    proto.postMessage = function postMessage(this: unknown, ...args: unknown[]) {
      if (isTerminating()) return
      return original.apply(this, args)
    }
    proto[PATCHED] = true
  }
}
