/**
 * Parent-side control of worker threads through the in-process inspector (`NodeWorker` domain; no port).
 *
 * Why: a worker's own agent cannot flush when it is `terminate()`d (no JS runs after that, and exit handlers do
 * not run), nor while it is stuck in a synchronous loop or `Atomics.wait`. The inspector delivers a
 * `Runtime.evaluate` to such a worker as a V8 interrupt, so the worker's agent flushes synchronously even then
 * (measured: about 3 ms for a worker spinning in a `while` loop). Nested workers attach to this session too, so
 * one controller reaches a worker's whole subtree.
 *
 * Used for: the terminate rescue (patched `Worker.prototype.terminate` flushes the worker and its descendants
 * first), and periodic flushes of descendants that are too busy to run their own flush timer.
 *
 * From a worker thread (vitest's threads/vmThreads pools run tests in one, and nested workers create workers
 * from one), the thread's own session has no NodeWorker domain (Node 20: "'NodeWorker.enable' wasn't found"),
 * so the controller connects to the main thread's inspector instead (`connectToMainThread()`, still no port).
 * That session sees every worker of the process, other test threads' included, so each call is scoped to the
 * caller's descendants (their lineage names the caller).
 *
 * One queue for all traffic. Terminating a worker while a `Runtime.evaluate` of ours is running inside it
 * swallows the termination: the worker goes back to tinypool's `Atomics.wait` loop and never exits, so
 * `terminate()` / `pool.destroy()` hang (V8: "Check failed: callback_result !=
 * AtomicsWaitEvent::kTerminatedExecution" when the process then exits). tinypool and piscina terminate all
 * their workers at once, so every call of ours goes through one queue, and the real terminate() runs only when
 * no evaluation of ours is in flight; a worker being terminated is never sent anything again.
 */
import { Session } from 'node:inspector'
import { isMainThread, type Worker } from 'node:worker_threads'
import { OriginalWorker } from './propagation.js'
import { isReady, markTerminating, mayCall } from './thread-table.js'
import { AGENT_GLOBAL } from './global.js'
import { debug } from './debug.js'
import { WATCHDOG_NAME } from './watchdog.js'

interface Pending {
  resolve: (value: unknown) => void
}

interface Attached {
  /** From the worker's inspector title, `[worker <threadId>] <name>`; null if it does not parse. */
  threadId: number | null
}

interface Answer {
  sessionId: string
  value: unknown
}

/** The longest a terminate() waits for its worker to attach before rescuing what is attached. */
const ATTACH_WAIT_MS = 250

export class WorkerController {
  private readonly session = new Session()
  private readonly attached = new Map<string, Attached>()
  /** Sessions of workers being terminated: never sent anything again. */
  private readonly dying = new Set<string>()
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private queue: Promise<unknown> = Promise.resolve()
  /** threadIds of the workers this thread created (lineage fallback for `env: SHARE_ENV` or a custom env). */
  private readonly children = new Set<number>()
  private readonly attachWaiters = new Set<(threadId: number | null) => void>()

  constructor(private readonly self: string) {
    if (isMainThread) this.session.connect()
    else (this.session as Session & { connectToMainThread(): void }).connectToMainThread()
    this.session.on('NodeWorker.attachedToWorker', (m: { params: { sessionId: string; workerInfo?: { title?: string } } }) => {
      const title = m.params.workerInfo?.title ?? ''
      // The watchdog is ours: never evaluate anything in it (a termination at process exit must not meet an
      // evaluation in flight).
      if (title.includes(WATCHDOG_NAME)) return
      const match = /^\[worker (\d+)\]/.exec(title)
      const threadId = match ? Number(match[1]) : null
      this.attached.set(m.params.sessionId, { threadId })
      for (const waiter of this.attachWaiters) waiter(threadId)
    })
    this.session.on('NodeWorker.detachedFromWorker', (m: { params: { sessionId: string } }) => {
      this.attached.delete(m.params.sessionId)
      this.dying.delete(m.params.sessionId)
    })
    this.session.on('NodeWorker.receivedMessageFromWorker', (m: { params: { message: string } }) => {
      let msg: { id?: number; result?: { result?: { value?: unknown } } }
      try {
        msg = JSON.parse(m.params.message)
      } catch {
        return
      }
      if (msg.id === undefined) return
      const p = this.pending.get(msg.id)
      if (!p) return
      this.pending.delete(msg.id)
      p.resolve(msg.result?.result?.value)
    })
    this.session.post('NodeWorker.enable', { waitForDebuggerOnStart: false }, (err) => {
      if (err) debug('control', `NodeWorker.enable failed: ${err.message}`)
    })
  }

  addChild(threadId: number): void {
    this.children.add(threadId)
  }

  get workerCount(): number {
    return this.attached.size - this.dying.size
  }

  /**
   * Evaluates `method` (of the agent API, with JSON arguments) in every live attached worker that descends from
   * this thread, after every earlier call of this controller has settled.
   */
  callAll(method: string, args: unknown[], timeoutMs: number): Promise<unknown[]> {
    return this.enqueue(async () => (await this.broadcast(method, args, timeoutMs)).map((a) => a.value))
  }

  /** callAll, for the attached workers whose threadId (null: not known) passes `which` at the time of the call. */
  callWhere(method: string, args: unknown[], timeoutMs: number, which: (threadId: number | null) => boolean): Promise<unknown[]> {
    return this.enqueue(async () => {
      const only = [...this.attached].filter(([, info]) => which(info.threadId)).map(([sessionId]) => sessionId)
      if (!only.length) return []
      return (await this.broadcast(method, args, timeoutMs, only)).map((a) => a.value)
    })
  }

  /**
   * Rescues `worker` (and its descendants: their agents answer true to `rescue`), then starts the real
   * termination, with nothing of ours in flight. Resolves with the real terminate()'s promise.
   */
  terminate(worker: Worker, original: () => Promise<number>, timeoutMs: number): Promise<number> {
    const target = worker.threadId
    const started = this.enqueue(async () => {
      await this.attachedTo(target, Math.min(timeoutMs, ATTACH_WAIT_MS))
      let answers = await this.broadcast('rescue', [target], timeoutMs)
      // 'ending': a worker whose own exit-handler flush this rescue interrupted; terminating it now would cut
      // that flush short (seen with a worker that posts one message and ends as it is being terminated).
      const deadline = Date.now() + timeoutMs
      while (answers.some((a) => a.value === 'ending') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10))
        const again = answers.filter((a) => a.value === 'ending' && this.attached.has(a.sessionId)).map((a) => a.sessionId)
        // Not attached any more: the worker finished its own flush and exited.
        const settled = answers.filter((a) => !again.includes(a.sessionId)).map((a) => (a.value === 'ending' ? { ...a, value: 'exited' } : a))
        answers = [...settled, ...(await this.broadcast('rescue', [target], timeoutMs, again))]
      }
      debug('control', `terminate(${target}): rescue answers ${JSON.stringify(answers.map((a) => a.value))}`)
      for (const a of answers) if (a.value === true) this.dying.add(a.sessionId)
      for (const [sessionId, info] of this.attached) if (info.threadId === target) this.dying.add(sessionId)
      // Wrapped: the queue must not wait for the thread to exit, only for the termination to have started.
      return { exited: original() }
    })
    return started.then((s) => s.exited)
  }

  /**
   * Resolves once `threadId` is attached (or after `timeoutMs`). A worker terminated right after it started can
   * be terminated before its attach event arrives (seen on Node 24: a worker that posts one message and is
   * terminated on it), and a rescue sent to nobody loses all of its samples.
   */
  private attachedTo(threadId: number, timeoutMs: number): Promise<void> {
    for (const info of this.attached.values()) if (info.threadId === threadId) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.attachWaiters.delete(waiter)
        resolve()
      }
      const waiter = (id: number | null) => id === threadId && done()
      const timer = setTimeout(done, timeoutMs)
      this.attachWaiters.add(waiter)
    })
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async broadcast(method: string, args: unknown[], timeoutMs: number, only?: string[]): Promise<Answer[]> {
    // Attach events for a just-created worker may still be queued: let them land first.
    await new Promise((r) => setImmediate(r))
    const call = `a.${method}(${args.map((a) => JSON.stringify(a)).join(',')})`
    // A process's main thread is the ancestor of every worker in it: no scope needed there.
    const scope = isMainThread
      ? 'true'
      : `(a.ancestors.includes(${JSON.stringify(this.self)}) || ${JSON.stringify([...this.children])}.includes(a.threadId))`
    const expression = `(a => a && ${scope} ? ${call} : undefined)(process[Symbol.for(${JSON.stringify(AGENT_GLOBAL)})])`
    // Never to a worker whose termination anyone in this process has asked for (thread-table.ts): an
    // evaluation in flight there would swallow that termination.
    const targets = (only ?? [...this.attached.keys()]).filter((id) => {
      const info = this.attached.get(id)
      if (!info || this.dying.has(id)) return false
      // A rescue goes to its target too; any other worker being terminated is rescued by its own terminator.
      return info.threadId === null || (method === 'rescue' && args[0] === info.threadId) || mayCall(info.threadId)
    })
    return Promise.all(targets.map(async (sessionId) => ({ sessionId, value: await this.send(sessionId, expression, timeoutMs) })))
  }

  private send(sessionId: string, expression: string, timeoutMs: number): Promise<unknown> {
    const id = this.nextId++
    return new Promise((resolve) => {
      // Ref'd on purpose: inspector replies do not keep the event loop alive, so with an unref'd timer a
      // process whose only pending work is `await pool.destroy()` would drain its loop and exit mid-rescue
      // (exit code 0 or 13 instead of the script's own). The wait is bounded by timeoutMs.
      const timer = setTimeout(() => {
        this.pending.delete(id)
        debug('control', `no answer from worker session ${sessionId} within ${timeoutMs} ms`)
        resolve(undefined)
      }, timeoutMs)
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v)
        },
      })
      try {
        this.session.post('NodeWorker.sendMessageToWorker', {
          sessionId,
          message: JSON.stringify({ id, method: 'Runtime.evaluate', params: { expression, returnByValue: true } }),
        })
      } catch {
        this.pending.delete(id)
        clearTimeout(timer)
        resolve(undefined)
      }
    })
  }
}

/**
 * Makes `worker.terminate()` flush the worker (and its descendants) before it proceeds. terminate() already
 * returns a promise, so the few milliseconds it now waits are invisible to callers (tinypool, piscina, tests).
 */
export function patchWorkerTerminate(getController: () => WorkerController | null, timeoutMs: number, onTerminate: (threadId: number) => void): void {
  // Node's own class: the patched Worker export (propagation.ts) inherits from it, as any subclass does.
  const proto = OriginalWorker.prototype as Worker & { [PATCHED]?: boolean }
  if (proto[PATCHED]) return
  const original = proto.terminate as (this: Worker, ...a: unknown[]) => Promise<number>
  proto.terminate = function terminate(this: Worker, ...args: unknown[]) {
    // From this instant the worker posts nothing more, as if it had stopped at once (terminating.ts).
    markTerminating(this.threadId)
    if (this.threadId > 0) onTerminate(this.threadId)
    const controller = getController()
    if (!controller || this.threadId < 0 || !isReady(this.threadId)) return original.apply(this, args)
    return controller.terminate(this, () => original.apply(this, args), timeoutMs)
  } as Worker['terminate']
  proto[PATCHED] = true
}
const PATCHED = Symbol.for('vitest-profiler.terminate-patched')
