/**
 * Entry of the agent, loaded into every thread and process of a profiling run by the bootstrap file that
 * `--require` (execArgv) and NODE_OPTIONS point at. Idempotent per thread, and inert unless the run it was
 * started for is still active (NODE_OPTIONS leaks into every node process a test starts, `tsc` included).
 *
 * No vitest imports here: this runs in threads vitest knows nothing about.
 */
import { MessageChannel, isMainThread, threadId } from 'node:worker_threads'
import { SPOOL_VERSION, nowUs, type AgentConfig, type ChunkReason, type WindowEvent } from '../spool/format.js'
import { ThreadAgent, runIsActive } from './thread-agent.js'
import { WorkerController, patchWorkerTerminate } from './worker-control.js'
import { installLifecycleHooks, trackChildren } from './lifecycle.js'
import { startWatchdog } from './watchdog.js'
import { installPropagation, takeInheritance, takeWorkerScript } from './propagation.js'
import { processScript, workerScript } from './script-name.js'
import { installTerminationGate, isOwnLiveWorker, markReady, needsHeartbeat } from './thread-table.js'
import { installIdlePause } from './idle.js'
import { installMeter, publishOverhead } from './meter.js'
import { pickCpuClock } from './cpu-clock.js'
import { AGENT_GLOBAL, agentSlot } from './global.js'
import { debug, setDebugFile } from './debug.js'
import * as path from 'node:path'

/** What the setup file and parent rescues call on a thread's agent (through globalThis[Symbol.for(...)]). */
export interface AgentApi {
  readonly key: string
  /** Keys of the threads above this one, oldest first (a parent's controller scopes its calls with it). */
  readonly ancestors: readonly string[]
  readonly threadId: number
  /** Option serializeConcurrent: the setup file runs a file's concurrent tests one at a time. */
  readonly serializeConcurrent: boolean
  openWindow(): { id: number; start: number; cpuStart: number }
  closeWindow(
    open: { id: number; start: number; cpuStart: number },
    info: Omit<WindowEvent, 't' | 'at' | 'start' | 'end' | 'cpuStart' | 'cpuEnd' | 'concurrent'>,
  ): void
  markRole(pool: string | undefined, project: string | undefined): void
  /** Flushes this thread and every live descendant worker (awaits the descendants). */
  flushAll(reason: ChunkReason): Promise<void>
  /**
   * Parent rescue: final flush if this thread is `target` (a threadId in this process) or below it; -1 = all.
   * 'ending': its own final flush (exit handler) is under way and this call interrupted it; ask again.
   */
  rescue(target: number): boolean | 'ending'
  /** A CPU clock reading, and a flush if one is due (a parent's periodic call for a busy worker). */
  heartbeat(): void
  /** The watchdog's call while this (main) thread is busy: signal handlers off, then a heartbeat. */
  onMainBusy(): void
  /** CPU (us, this thread's clock) spent in the agent's own flushes so far. */
  profilerCpuUs(): number
  /** Unconditional flush of this thread alone (a parent's file-end flush of its descendants). */
  flush(reason: ChunkReason): boolean
}

/** How often a busy main thread is flushed by its watchdog (ms): the most a signal that meets it can cost. */
const BUSY_FLUSH_MS = 250

/**
 * Frames below the inspector's evaluated expression that called onMainBusy: 0 when the call was dispatched from
 * the event loop (the thread was idle), more when it interrupted running code (measured: 2 frames when idle,
 * 2 + the user's frames when busy).
 */
function callerFrames(): number {
  const { stackTraceLimit, prepareStackTrace } = Error
  try {
    Error.stackTraceLimit = 4
    Error.prepareStackTrace = (_e, frames) => frames.length
    // Frames: callerFrames, onMainBusy, the evaluated expression, then whatever was running.
    return Math.max(0, (new Error().stack as unknown as number) - 3)
  } finally {
    Error.stackTraceLimit = stackTraceLimit
    Error.prepareStackTrace = prepareStackTrace
  }
}

/**
 * `bootstrapPath`: the preload file that called this (its `__filename`); children get it in their NODE_OPTIONS.
 */
export function start(config: AgentConfig, bootstrapPath?: string): AgentApi | null {
  const startedAt = nowUs()
  const clock = pickCpuClock()
  const cpuAtStart = clock.read()
  // First of all, and even if the agent stays inert: this thread's env must be exactly what its creator passed.
  const ancestors = takeInheritance()
  const handedScript = takeWorkerScript()
  setDebugFile(path.join(config.runDir, 'debug.log'))
  const g = agentSlot() as Record<symbol, AgentApi | null | undefined>
  const slot = Symbol.for(AGENT_GLOBAL)
  if (g[slot] !== undefined) return g[slot] ?? null
  g[slot] = null
  if (config.version !== SPOOL_VERSION || !runIsActive(config)) return null
  let agent: ThreadAgent
  try {
    const script = isMainThread ? processScript(process.argv, process.execArgv, process.argv0) : handedScript
    agent = new ThreadAgent(config, ancestors, script ?? { entry: '', title: '' })
  } catch (err) {
    // Profiling must never break the code under test.
    debug('preload', `not started: ${String(err)}`)
    return null
  }
  installTerminationGate()
  installIdlePause(agent)
  // Budgets are judged in the test's thread from this, with or without samples (agent/meter.ts).
  installMeter()
  if (bootstrapPath) {
    installPropagation({ bootstrapPath, lineage: [...ancestors, agent.key].slice(-16), active: () => !agent.isEnded })
  }
  let controller: WorkerController | null = null
  const getController = () => controller
  const ensureController = () => {
    if (!controller) controller = new WorkerController(agent.key)
  }
  // Before trackChildren: the watchdog is ours, not a thread of the code under test.
  const watchdog = isMainThread ? startWatchdog({ periodMs: 50, busyAfterMs: 150, busyCallMs: BUSY_FLUSH_MS, answerTimeoutMs: 5000 }) : null
  trackChildren(agent, (worker) => {
    ensureController()
    controller!.addChild(worker.threadId)
  }, watchdog ? [watchdog.threadId] : [])
  patchWorkerTerminate(getController, config.rescueTimeoutMs, (worker) => agent.append({ t: 'terminate', at: nowUs(), threadId: worker }))
  const signals = installLifecycleHooks(agent, getController, config.rescueTimeoutMs)
  if (watchdog) {
    agent.onTick.push(() => {
      watchdog.beat()
      signals.resume()
    })
    // A main thread paused while idle has no beat, and needs no call from its watchdog.
    agent.onPause.push(() => watchdog.setPaused(true))
    agent.onResume.push(() => {
      watchdog.setPaused(false)
      watchdog.beat()
    })
  }
  // Its workers' heartbeats come from this thread's timer, which an idle pause would stop.
  agent.canPauseFromTimer = () => !controller || controller.workerCount === 0
  // Puts the handlers back on from the event loop, as soon as the busy code returns to it (see onMainBusy).
  const wake = watchdog ? new MessageChannel() : null
  if (wake) {
    wake.port1.on('message', () => {
      signals.resume()
      watchdog!.callSoon(true)
    })
    wake.port1.unref()
  }

  const inMyProcess = (key: string) => key.startsWith(`${process.pid}-`)
  const api: AgentApi = {
    key: agent.key,
    ancestors: agent.ancestors,
    threadId,
    serializeConcurrent: config.serializeConcurrent === true,
    openWindow: () => agent.openWindow(),
    closeWindow: (open, info) => agent.closeWindow(open, info),
    markRole(pool, project) {
      // A vitest pool worker was created by vitest's unprofiled main process: nobody handed it its script, but
      // by now (its script is running) Node has put the script's path in its argv.
      const late = !isMainThread && !handedScript && process.argv[1] ? workerScript(process.argv[1], undefined, process.cwd()) : null
      agent.append({ t: 'role', at: nowUs(), role: 'vitest-worker', ...(pool ? { pool } : {}), ...(project ? { project } : {}), ...(late ?? {}) })
    },
    async flushAll(reason) {
      agent.flush(reason)
      // Same reason for the descendants: after a file-end flush, a pool the test left open only idles until
      // vitest tears the worker down without running any of our code (threads pool: terminate() from an
      // unprofiled main process), so that chunk is their last one, and the reader counts it as their final
      // flush rather than reporting them as died unflushed.
      // Only this thread's own live workers (each flushes its own), and none paused idle (nothing to write):
      // with isolate: false a suite's leftover pools pile up, and flushing hundreds of idle workers at every
      // file end made our setup hook time out (tinypool's suite, 10 s).
      if (controller) await controller.callWhere('flush', [reason], config.rescueTimeoutMs, (tid) => tid === null || isOwnLiveWorker(tid, threadId))
    },
    rescue(target) {
      const mine = target === -1 || target === threadId || agent.ancestors.some((k) => inMyProcess(k) && k.endsWith(`-${target}`))
      if (!mine) return false
      // A worker whose event loop just ended runs its exit-handler flush; a rescue can interrupt it there. The
      // parent must not terminate it until that flush is written (it asks again).
      if (agent.isEnded && !agent.isFinished) return 'ending'
      agent.end('terminated')
      return true
    },
    profilerCpuUs: () => agent.profilerCpuUs,
    heartbeat: () => agent.heartbeat(),
    onMainBusy() {
      // Late beats also come from a main thread that is idle but starved of CPU: then this call arrives from its
      // event loop (no frame below the evaluated expression), its signal handlers can run, and stay on.
      // Either way the watchdog's next call can wait for the busy cadence (a wake-up or a beat asks sooner).
      watchdog?.callSoon(false)
      if (callerFrames() > 0) {
        const entering = signals.suspend()
        // Back on as soon as the busy code returns to the event loop, not at the next timer tick; and if it is
        // still busy then, the watchdog must switch them off again soon. This runs as an interrupt, which can land
        // anywhere, Node's own tick processing included, so it schedules nothing in JS (measured, Node 20):
        // - process.nextTick queued inside processPromiseRejections, after the queue was drained, stays in the
        //   queue while Node marks "no tick scheduled"; every later nextTick of the process (IPC 'message' events
        //   among them) then waits behind it for ever (CI: a forked child stopped answering its parent;
        //   test/plugin/interrupts.test.ts checks that this call schedules nothing of the kind);
        // - queueMicrotask from the interrupt: in a stress harness the queued microtask never ran (not
        //   understood; that harness also left evaluations unanswered without any agent), so not that either.
        // A MessagePort message is queued natively and delivered when the loop turns.
        if (entering) wake?.port2.postMessage(0)
        // A signal that comes while the handlers are off gets its default action and no flush: keep that tail
        // short. Flush on entering busy mode, then at every call of the busy cadence (BUSY_FLUSH_MS apart; the
        // half is timer slack, a rotation costs under 1 ms). This also covers the race the wake-up cannot
        // close: busy code that has just handed its result to a parent, which signals at once (tinypool's
        // destroy()) while the child still finishes that macrotask. (At most every 100 ms on entering: in an
        // await-heavy busy stretch every call of the watchdog's enters again.)
        agent.heartbeat(entering ? 100 : BUSY_FLUSH_MS / 2)
      } else {
        agent.heartbeat()
      }
    },
    flush(reason) {
      if (agent.isEnded) return false
      agent.flush(reason)
      return true
    },
  }
  g[slot] = api
  // The agent's start (V8's profiler start is most of it: 17-25 ms in a fresh worker) and its flushes are ours,
  // not the test's: the budget meter leaves them out.
  const startupUs = clock.read() - cpuAtStart
  agent.onFlushed = () => publishOverhead(startupUs + agent.profilerCpuUs)
  agent.onFlushed()
  // From here on the thread's own code runs: a thread that ended before this ran none of it.
  agent.append({ t: 'ready', at: nowUs() })
  markReady()
  // Busy descendants cannot run their own timer: their heartbeat (clock reading, flush when due) comes from here,
  // on this thread's own timer, through the inspector (the controller's queue keeps this away from terminations).
  // Only workers whose own timer does not run (busy in synchronous code, or waiting in Atomics.wait before their
  // idle pause): the others read their own clocks, and a paused one has nothing to read. Interrupting every
  // attached worker 10 times a second made the cost grow with the number of idle workers alive.
  agent.onTick.push(() => {
    if (!controller || controller.workerCount === 0 || agent.isEnded) return
    const stale = 2 * config.cpuReadIntervalMs
    void controller.callWhere('heartbeat', [], config.rescueTimeoutMs, (tid) => tid === null || needsHeartbeat(tid, stale, threadId))
  })
  debug('preload', `started in ${agent.key} (${agent.cpu.kind} clock; ${((nowUs() - startedAt) / 1000).toFixed(1)} ms, of which V8 starting its profiler ${agent.samplerStartMs.toFixed(1)} ms)`)
  return api
}
