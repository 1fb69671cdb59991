/**
 * A process's main thread cannot run its own timers while it is busy in synchronous code, and nothing else in
 * the process can run JS on it, except through the inspector: a small watchdog thread, connected with
 * `connectToMainThread()` (no port), whose `Runtime.evaluate` runs inside the busy main thread as a V8 interrupt
 * (measured: it runs during a `while` loop). It watches the main thread's heartbeat, and while the beat is late:
 * - it asks the main thread's agent for a CPU reading and, when due, a flush (`onMainBusy`), so a SIGKILL of a
 *   busy process loses at most flushInterval of its main thread's samples;
 * - the agent switches its signal handlers off until the next beat. With a JS SIGTERM handler installed, a busy
 *   process would not die on SIGTERM until its loop turned (a test that kills a spinning child and waits would
 *   hang only when profiled); with them off, the signal's default action applies, as without profiling.
 * Only the main thread of each profiled process has one. It loads no agent (see below), is unref'd, and our
 * worker controller never talks to it (its title marks it).
 */
import { OriginalWorker } from './propagation.js'
import { AGENT_GLOBAL } from './global.js'
import { debug } from './debug.js'

export const WATCHDOG_NAME = 'vitest-profiler-watchdog'

export interface WatchdogOptions {
  /** How often the watchdog looks at the heartbeat (ms). */
  periodMs: number
  /** A beat older than this means the main thread is busy (ms). */
  busyAfterMs: number
  /** While it stays busy, the longest between two calls when the main thread asks for none (ms). */
  busyCallMs: number
  /** A call not answered within this long is abandoned, so that the next one can go out (ms). */
  answerTimeoutMs: number
}

// The session is opened for each call and closed on its answer: a session connected from a worker when the main
// thread calls process.exit() makes Node print "Waiting for the debugger to disconnect..." to stderr.
//
// Calls are rationed, because each one costs (measured with perf on the bench: calling every 50 ms while the
// main thread was busy cost about 250 ms of CPU over a 6 s run, most of it in this thread): while the beat is
// late, the watchdog calls at once when the main thread asks for it (state[1] = 1: it has just turned, or its
// signal handlers are back on), and otherwise every busyCallMs (the flush cadence of a busy main thread).
const SOURCE = `
const { workerData } = require('node:worker_threads')
const { Session } = require('node:inspector')
const state = new Int32Array(workerData.state)
const expression = 'process[Symbol.for(' + JSON.stringify(workerData.slot) + ')]?.onMainBusy?.()'
let open = null
let lastCall = 0
setInterval(() => {
  const now = Date.now()
  if (open) {
    if (now - lastCall < workerData.answerTimeoutMs) return
    // Never answered: give up on it rather than fall silent for good (seen, Node 20: a main thread turning a
    // setImmediate loop answered one evaluation and never the next).
    try { open.disconnect() } catch {}
    open = null
  }
  if (Atomics.load(state, 2) === 1) return
  if (now - workerData.base - Atomics.load(state, 0) <= workerData.busyAfterMs) return
  if (Atomics.load(state, 1) === 0 && now - lastCall < workerData.busyCallMs) return
  lastCall = now
  const session = new Session()
  open = session
  try {
    session.connectToMainThread()
    session.post('Runtime.evaluate', { expression }, () => {
      try { session.disconnect() } catch {}
      if (open === session) open = null
    })
  } catch { open = null }
}, workerData.periodMs)
`

export interface Watchdog {
  /** Called from the main thread's own timer: proves the event loop turns (and asks for a call at once next time it is late). */
  beat(): void
  /** Whether the next call should come as soon as the beat is late (true) or at the busy cadence (false). */
  callSoon(soon: boolean): void
  /** The main thread paused sampling while idle (no beats come then), or woke. */
  setPaused(paused: boolean): void
  /** Its threadId: `process.on('worker')` reports it (asynchronously), and it is not the user's. */
  threadId: number
}

export function startWatchdog(options: WatchdogOptions): Watchdog | null {
  const base = Date.now()
  // [0]: the last beat (ms after base); [1]: 1 = call as soon as the beat is late; [2]: 1 = paused while idle
  // (agent/idle.ts: no timer, no beat, nothing to flush).
  const state = new Int32Array(new SharedArrayBuffer(12))
  const callSoon = (soon: boolean) => Atomics.store(state, 1, soon ? 1 : 0)
  const doBeat = () => {
    Atomics.store(state, 0, Date.now() - base)
    callSoon(true)
  }
  doBeat()
  let worker: InstanceType<typeof OriginalWorker>
  try {
    // Node's own Worker class: the agent's patched one would hand the watchdog our NODE_OPTIONS.
    worker = new OriginalWorker(SOURCE, {
      eval: true,
      name: WATCHDOG_NAME,
      // No agent in it: no execArgv, and an empty env, because Node applies NODE_OPTIONS' --require from a
      // worker's env as well.
      execArgv: [],
      env: {},
      workerData: { state: state.buffer, base, slot: AGENT_GLOBAL, ...options },
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
      // Not piped into the process's own stdout/stderr: each piped worker adds listeners there, and one more
      // than the suite's own workers made Node print a MaxListenersExceededWarning (seen with 66 pool workers
      // alive and a tinypool child_process pool piping its children, only under profiling).
      stdout: true,
      stderr: true,
    })
    worker.unref()
    worker.on('error', (err) => debug('watchdog', `stopped: ${String(err)}`))
  } catch (err) {
    debug('watchdog', `not started: ${String(err)}`)
    return null
  }
  return { beat: doBeat, callSoon, setPaused: (paused) => Atomics.store(state, 2, paused ? 1 : 0), threadId: worker.threadId }
}
