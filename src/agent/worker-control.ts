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
 */
import { Session } from 'node:inspector'
import { Worker } from 'node:worker_threads'
import { AGENT_GLOBAL } from './global.js'
import { debug } from './debug.js'

interface Pending {
  resolve: (value: unknown) => void
}

export class WorkerController {
  private readonly session = new Session()
  private readonly attached = new Set<string>()
  private readonly pending = new Map<number, Pending>()
  private nextId = 1

  constructor() {
    this.session.connect()
    this.session.on('NodeWorker.attachedToWorker', (m: { params: { sessionId: string } }) => {
      this.attached.add(m.params.sessionId)
    })
    this.session.on('NodeWorker.detachedFromWorker', (m: { params: { sessionId: string } }) => {
      this.attached.delete(m.params.sessionId)
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
    this.session.post('NodeWorker.enable', { waitForDebuggerOnStart: false })
  }

  get workerCount(): number {
    return this.attached.size
  }

  /** Evaluates `call` (a method of the agent global with JSON arguments) in every attached worker. */
  async callAll(method: string, args: unknown[], timeoutMs: number): Promise<unknown[]> {
    // Attach events for a just-created worker may still be queued: let them land first.
    await new Promise((r) => setImmediate(r))
    const expression = `process[Symbol.for(${JSON.stringify(AGENT_GLOBAL)})]?.${method}(${args
      .map((a) => JSON.stringify(a))
      .join(',')})`
    const calls = [...this.attached].map((sessionId) => this.send(sessionId, expression, timeoutMs))
    return Promise.all(calls)
  }

  private send(sessionId: string, expression: string, timeoutMs: number): Promise<unknown> {
    const id = this.nextId++
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        debug('control', `no answer from worker session ${sessionId} within ${timeoutMs} ms`)
        resolve(undefined)
      }, timeoutMs)
      timer.unref()
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
      } catch (err) {
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
export function patchWorkerTerminate(getController: () => WorkerController | null, timeoutMs: number): void {
  const proto = Worker.prototype as Worker & { [PATCHED]?: boolean }
  if (proto[PATCHED]) return
  const original = proto.terminate
  proto.terminate = function terminate(this: Worker, ...args: unknown[]) {
    const controller = getController()
    const target = this.threadId
    if (!controller || target < 0) return (original as (...a: unknown[]) => Promise<number>).apply(this, args)
    return controller
      .callAll('rescue', [target], timeoutMs)
      .catch(() => undefined)
      .then(() => (original as (...a: unknown[]) => Promise<number>).apply(this, args))
  } as Worker['terminate']
  proto[PATCHED] = true
}
const PATCHED = Symbol.for('vitest-profiler.terminate-patched')
