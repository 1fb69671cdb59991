/**
 * An idle thread stops sampling until it wakes, so that it costs (almost) nothing.
 *
 * Why: V8's sampler signals every profiled thread at every interval, busy or idle, and an idle pool worker in
 * `Atomics.wait` is sampled as if it ran (PLATFORM-FACTS.md). A real suite that kept a few hundred pool workers
 * alive went from load 3 to 117 on 2 cores under profiling, its tests timed out, and its spool grew by hundreds
 * of MB of idle samples. Samples of an idle thread carry no CPU anyway (CPU comes from clocks).
 *
 * Two ways a thread idles, and how each pauses and wakes:
 * - In `Atomics.wait` (tinypool's and piscina's idle workers): the wait is split. The first part waits up to
 *   idlePauseMs as asked; if it times out, sampling pauses and the rest of the wait follows; when it returns,
 *   sampling resumes before the caller's code goes on. The result is the caller's: 'ok' when woken (a
 *   'not-equal' of the second wait means the value changed between the two, i.e. it was woken), 'timed-out'.
 * - In its event loop (its own CPU clock stood still for idlePauseMs, by the thread's own timer): sampling
 *   pauses and our timer stops; an async_hooks `before` hook, enabled only while paused, resumes sampling at the
 *   first callback that runs (a message, I/O, a timer of the user's, a promise reaction). Not while the thread
 *   has live workers of its own: their heartbeats come from its timer.
 * Resuming starts a fresh V8 CpuProfiler (7-35 ms before the first sample, once per wake-up after a long idle).
 * Known cost of that: code optimized by on-stack replacement before the pause is unknown to the new profiler,
 * so its samples are charged to the calling function (sampler.ts, PLATFORM-FACTS.md).
 */
import { createHook } from 'node:async_hooks'
import type { ThreadAgent } from './thread-agent.js'
import { nowUs } from '../spool/format.js'

const PATCHED = Symbol.for('vitest-profiler.atomics-wait')

type Wait = (typedArray: Int32Array | BigInt64Array, index: number, value: number | bigint, timeout?: number) => 'ok' | 'not-equal' | 'timed-out'

export function installIdlePause(agent: ThreadAgent): void {
  const pauseMs = agent.config.idlePauseMs
  if (!(pauseMs > 0)) return
  patchAtomicsWait(agent, pauseMs)
  // Armed only while paused from the timer: then any callback at all is a wake-up (our own timer is stopped).
  const wake = createHook({
    before() {
      wake.disable()
      agent.resume()
    },
  })
  agent.onPause.push((fromTimer) => {
    if (fromTimer) wake.enable()
  })
  agent.onResume.push(() => wake.disable())
}

function patchAtomicsWait(agent: ThreadAgent, pauseMs: number): void {
  const atomics = Atomics as unknown as { wait: Wait; [PATCHED]?: true }
  if (atomics[PATCHED]) return
  const original = atomics.wait
  atomics.wait = function wait(typedArray, index, value, timeout) {
    const limit = timeout === undefined ? Infinity : Number(timeout)
    // Short or invalid waits, and threads that cannot pause: exactly the original (it validates the arguments).
    if (!(limit > pauseMs) || agent.isEnded || agent.isPaused) return original.call(Atomics, typedArray, index, value, timeout)
    const started = nowUs()
    const first = original.call(Atomics, typedArray, index, value, pauseMs)
    if (first !== 'timed-out') return first
    agent.pause(false)
    try {
      const rest = limit === Infinity ? Infinity : Math.max(0, limit - (nowUs() - started) / 1000)
      const second = original.call(Atomics, typedArray, index, value, rest)
      return second === 'not-equal' ? 'ok' : second
    } finally {
      agent.resume()
    }
  } as Wait
  atomics[PATCHED] = true
}
