/**
 * Every way a thread or process can end, and the flush that keeps its data:
 * - normal end or `process.exit()` (also inside a worker): `exit` handler, synchronous final flush;
 * - uncaught exception that will end the thread: `uncaughtExceptionMonitor`, synchronous final flush;
 * - `worker.terminate()` (tinypool/piscina `destroy()`): the parent's rescue (worker-control.ts);
 * - SIGTERM / SIGINT / SIGHUP to a process: handler flushes its workers and itself, then re-raises the signal
 *   when nobody else listens, so the exit status is the signal's, as it would have been;
 * - SIGKILL: nothing runs. The loss is what was sampled since the last flush (see thread-agent.ts); the parent's
 *   `child-exit` event records that the child died that way.
 *
 * Note: vitest's own workers never run `exit` handlers (nor do terminated workers); the setup file's afterAll
 * flush is what covers them (agent/setup.ts).
 */
import * as childProcess from 'node:child_process'
import { isMainThread, type Worker } from 'node:worker_threads'
import type { ThreadAgent } from './thread-agent.js'
import { nowUs } from '../spool/format.js'
import type { WorkerController } from './worker-control.js'
import { debug } from './debug.js'
import { ChildCpu } from './child-cpu.js'

const SIGNALS = process.platform === 'win32' ? (['SIGINT', 'SIGTERM'] as const) : (['SIGTERM', 'SIGINT', 'SIGHUP'] as const)

export function installLifecycleHooks(
  agent: ThreadAgent,
  getController: () => WorkerController | null,
  rescueTimeoutMs: number,
): SignalControl {
  process.on('exit', (code) => agent.end('exit', `code ${code}`))

  process.on('uncaughtExceptionMonitor', (err, origin) => {
    // With a user 'uncaughtException' handler the thread lives on: just make sure nothing is lost so far.
    if (process.listenerCount('uncaughtException') > 0) return agent.flush('interval')
    const message = err instanceof Error ? err.message : String(err)
    agent.end('uncaught', `${origin}: ${message}`.slice(0, 500))
  })

  // Signals reach only a process's main thread.
  if (!isMainThread) return { suspend: () => false, resume() {} }
  const handlers = new Map<(typeof SIGNALS)[number], () => Promise<void>>()
  let installed = false
  for (const signal of SIGNALS) {
    const onSignal = async (): Promise<void> => {
      debug('lifecycle', `${signal} received`)
      const controller = getController()
      // Senders escalate to SIGKILL after 500 ms (vitest) or 1000 ms (tinypool): stay well inside that.
      if (controller) await controller.callAll('rescue', [-1], Math.min(rescueTimeoutMs, 250)).catch(() => {})
      agent.end('signal', signal)
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal)
        installed = false
        process.kill(process.pid, signal)
      }
    }
    handlers.set(signal, onSignal)
  }
  const signals: SignalControl = {
    // While the main thread is busy (watchdog.ts) a JS handler could not run: the signal's default action must
    // apply, as it would without profiling.
    suspend() {
      if (!installed) return false
      installed = false
      for (const [signal, handler] of handlers) process.removeListener(signal, handler)
      return true
    },
    resume() {
      if (installed || agent.isEnded) return
      installed = true
      for (const [signal, handler] of handlers) process.on(signal, handler)
    },
  }
  signals.resume()
  return signals
}

export interface SignalControl {
  /** Switches the handlers off; true if they were on. */
  suspend(): boolean
  resume(): void
}

/**
 * Records the threads and processes this thread creates: the reader joins children on these events when env
 * lineage is missing (tinypool's child_process runtime replaces the child's env), and a child's exit by signal
 * (SIGKILL) is only ever witnessed here.
 */
export function trackChildren(agent: ThreadAgent, onWorker: (worker: Worker) => void, ownThreadIds: number[] = []): void {
  process.on('worker', (worker) => {
    if (ownThreadIds.includes(worker.threadId)) return
    const threadId = worker.threadId
    agent.append({ t: 'spawn', at: nowUs(), kind: 'worker', threadId })
    // An 'exit' listener changes nothing for the code under test (an 'error' one would: never add that).
    worker.once('exit', (code) => agent.append({ t: 'worker-exit', at: nowUs(), threadId, code }))
    onWorker(worker)
  })

  const proto = childProcess.ChildProcess.prototype as childProcess.ChildProcess & {
    spawn: (options: { file?: string; args?: string[] }) => unknown
    [PATCHED]?: boolean
  }
  if (proto[PATCHED]) return
  // The OS's CPU of each child (agent/child-cpu.ts): the only measure of a child that is not Node. Nothing of it
  // may keep the spawn records (the only witness of a SIGKILL) or the code under test from working.
  let childCpu: ChildCpu | null = null
  try {
    childCpu = new ChildCpu(agent)
    childCpu.wrapSyncSpawns()
  } catch (err) {
    debug('lifecycle', `no OS CPU of children: ${String(err)}`)
  }
  const cpuAtExit = (pid: number): number | null => {
    try {
      return childCpu?.exited(pid) ?? null
    } catch {
      return null
    }
  }
  const originalSpawn = proto.spawn
  proto.spawn = function spawn(this: childProcess.ChildProcess, options) {
    const result = originalSpawn.call(this, options)
    const pid = this.pid
    if (typeof pid === 'number') {
      const command = [options?.file, ...(options?.args ?? []).slice(1)].join(' ').slice(0, 300)
      agent.append({ t: 'spawn', at: nowUs(), kind: 'process', pid, command })
      try {
        childCpu?.spawned(pid, !looksLikeNode(command))
      } catch {}
      this.once('exit', (code, signal) => {
        // First thing: nothing else of this thread may run between the reap and this reading (child-cpu.ts).
        const cpu = cpuAtExit(pid)
        agent.append({ t: 'child-exit', at: nowUs(), pid, code, signal, ...(cpu !== null ? { cpu } : {}) })
      })
    }
    return result
  }
  proto[PATCHED] = true
}
const PATCHED = Symbol.for('vitest-profiler.spawn-patched')

/**
 * Whether a command starts Node (and so, in a profiling run, an agent with its own clocks). By the program's
 * name only: a script run through its shebang (`npx`) looks like any other program and is told apart later,
 * by the spool folder its agent writes (attribution/threads.ts).
 */
export function looksLikeNode(command: string | undefined): boolean {
  if (!command) return false
  const bin = command.split(' ')[0] ?? ''
  return /(^|[\\/])node(\.exe)?$/.test(bin) || bin === process.execPath
}
