/**
 * The agent of one thread: samples it, flushes chunks into its spool folder, records CPU clock readings,
 * lifecycle events and (for vitest's test threads) test windows. One instance per thread, created by start().
 */
import { isMainThread, threadId } from 'node:worker_threads'
import { setInterval as realSetInterval, clearInterval as realClearInterval } from 'node:timers'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ThreadSpoolWriter } from '../spool/writer.js'
import {
  RUN_MANIFEST_FILE,
  nowUs,
  threadKey,
  type AgentConfig,
  type ChunkReason,
  type EndHow,
  type SpoolEvent,
  type ThreadKey,
  type V8Profile,
  type WindowEvent,
} from '../spool/format.js'
import { pickCpuClock, type CpuClock } from './cpu-clock.js'
import { InspectorSampler, type Sampler } from './sampler.js'
import { debug } from './debug.js'
import { beat, setPaused } from './thread-table.js'
import type { ScriptName } from './script-name.js'

/**
 * Idle: the thread's own CPU grew by less than this share of the elapsed time (our timer, V8's signal handler
 * and the flushes of an idle thread use about 0.5%).
 */
const IDLE_CPU_SHARE = 0.03
/** Clocks that measure this thread alone: only they can tell that it idles. */
const PER_THREAD_CLOCKS = new Set(['thread-cpu-usage', 'schedstat'])


export class ThreadAgent {
  readonly key: ThreadKey
  readonly ancestors: ThreadKey[]
  readonly cpu: CpuClock
  private readonly spool: ThreadSpoolWriter
  private readonly sampler: Sampler
  private timer: ReturnType<typeof realSetInterval> | null = null
  private lastFlushUs: number
  private ended = false
  private finished = false
  /** A flush is under way (see flush()). */
  private flushing = false
  /** The profile a flush has stopped but not yet written. */
  private inFlight: V8Profile[] = []
  /** On-CPU microseconds this thread spent in our flushes (clock-measured), for honest ground truth and reports. */
  private ownCpuUs = 0
  private flushCount = 0
  private lastCpuReadUs = 0
  /** Ids of the windows open in this thread (more than one under test.concurrent). */
  private readonly openWindowIds = new Set<number>()
  /** Ids of windows that overlapped another one at some point. */
  private readonly overlapped = new Set<number>()
  private windowSeq = 0

  constructor(
    readonly config: AgentConfig,
    /** Threads above this one, oldest first, as its creator handed them over (agent/propagation.ts). */
    ancestors: ThreadKey[],
    /** What this thread runs (script-name.ts; empty for a worker whose creator did not say). */
    script: ScriptName,
  ) {
    this.key = threadKey(process.pid, threadId)
    this.ancestors = ancestors
    this.cpu = pickCpuClock()
    this.spool = new ThreadSpoolWriter(config.runDir, this.key)
    const at = nowUs()
    this.append({
      t: 'start',
      v: config.version,
      at,
      pid: process.pid,
      threadId,
      isMainThread,
      parent: this.ancestors[this.ancestors.length - 1] ?? null,
      ppid: process.ppid,
      title: script.title,
      entry: script.entry,
      node: process.version,
      sampler: config.sampler,
      intervalUs: config.intervalUs,
      cpuClock: this.cpu.kind,
      marksReady: true,
    })
    // After the start event: a thread terminated while V8 creates its profiler (7-35 ms) is still on record.
    const samplerAt = nowUs()
    this.sampler = new InspectorSampler(config.intervalUs)
    this.sampler.start()
    this.samplerStartMs = (nowUs() - samplerAt) / 1000
    this.lastFlushUs = nowUs()
    const cpu = this.cpu.read()
    this.append({ t: 'cpu', at: this.lastFlushUs, cpu })
    this.idleRef = { at: this.lastFlushUs, cpu }
    this.startTimer()
  }

  /**
   * How long V8 took to start this thread's profiler (wall ms): it logs every function already compiled
   * (about 7.5 µs each, measured), so it is 20-30 ms in a fresh worker on the bench host, whatever we do.
   */
  readonly samplerStartMs: number

  private startTimer(): void {
    this.timer = realSetInterval(() => this.tick(), this.config.cpuReadIntervalMs)
    this.timer.unref()
  }

  // ---- idle pause (agent/idle.ts decides when; this keeps the spool true to it) ----

  /** Since when this thread has spent (almost) no CPU, by its own timer's readings. */
  private idleRef: { at: number; cpu: number }
  /** Whether the timer may pause this thread when it idles (false while it has live workers of its own). */
  canPauseFromTimer: () => boolean = () => false
  /** Called after a pause (idle.ts arms the wake-up there). */
  readonly onPause: ((fromTimer: boolean) => void)[] = []
  readonly onResume: (() => void)[] = []

  get isPaused(): boolean {
    return this.sampler.suspended
  }

  /**
   * Stops sampling while the thread idles: an idle thread then costs nothing (V8's sampler would signal it at
   * every interval, busy or not: hundreds of idle pool workers overloaded a 2-core machine). Everything sampled
   * so far is written first, so a thread that dies while paused loses nothing. `fromTimer`: the thread's own
   * timer stops too, so that only a real wake-up runs JS here again.
   */
  pause(fromTimer: boolean): void {
    if (this.ended || this.flushing || this.sampler.suspended || this.openWindowIds.size > 0) return
    const profiles = this.sampler.suspend()
    for (const profile of profiles) this.writeChunk(profile, 'interval')
    this.append({ t: 'sampling', at: nowUs(), on: false, cpu: this.cpu.read() })
    if (fromTimer && this.timer) {
      realClearInterval(this.timer)
      this.timer = null
    }
    setPaused(true)
    debug('agent', `paused while idle${fromTimer ? '' : ' in Atomics.wait'}`)
    for (const hook of this.onPause) hook(fromTimer)
  }

  /** Sampling back on, synchronously, before the code that woke the thread goes on. */
  resume(): void {
    if (this.ended || !this.sampler.suspended) return
    this.sampler.resume()
    setPaused(false)
    const at = nowUs()
    const cpu = this.cpu.read()
    this.append({ t: 'sampling', at, on: true, cpu })
    this.idleRef = { at, cpu }
    this.lastFlushUs = at
    if (!this.timer) this.startTimer()
    for (const hook of this.onResume) hook()
    debug('agent', 'resumed')
  }

  append(event: SpoolEvent): void {
    this.spool.append(event)
  }

  /** CPU this thread spent in the agent's flushes so far (microseconds, same clock as `cpu` events). */
  get profilerCpuUs(): number {
    return this.ownCpuUs
  }

  /** The final flush has completed (isEnded is true from its start). */
  get isFinished(): boolean {
    return this.finished
  }

  get isEnded(): boolean {
    return this.ended
  }

  /** Called after every flush (the budget meter's record of the agent's own CPU). */
  onFlushed: () => void = () => {}

  /** Called on every turn of this thread's own timer (the watchdog's heartbeat, signal handlers back on). */
  readonly onTick: (() => void)[] = []

  /** This thread's own timer (runs while its event loop turns). */
  private tick(): void {
    if (this.ended) {
      if (this.timer) realClearInterval(this.timer)
      this.timer = null
      return
    }
    for (const hook of this.onTick) hook()
    beat()
    this.heartbeat()
    this.checkIdle()
  }

  /** Pauses a thread whose own clock moved by less than IDLE_CPU_SHARE of the time for idlePauseMs. */
  private checkIdle(): void {
    if (this.ended || this.sampler.suspended || !PER_THREAD_CLOCKS.has(this.cpu.kind)) return
    const at = nowUs()
    const cpu = this.cpu.read()
    if (cpu - this.idleRef.cpu > (at - this.idleRef.at) * IDLE_CPU_SHARE || this.openWindowIds.size > 0) {
      this.idleRef = { at, cpu }
      return
    }
    const after = this.config.idlePauseMs
    if (after > 0 && at - this.idleRef.at >= after * 1000 && this.canPauseFromTimer()) this.pause(true)
  }

  /**
   * A CPU clock reading, and a flush when one is due. From the thread's own timer while its event loop turns,
   * and from its parent through the inspector while it does not (a synchronous burn, tinypool's Atomics.wait).
   * Attribution splits each interval between two readings over the samples in it, and under changing contention
   * long intervals bias that split (measured: a pool task kind got 17% of the samples for 25% of the CPU with
   * readings ~1 s apart), hence readings every cpuReadIntervalMs even in busy threads. A flush from an interrupt
   * is safe with the console-profile sampler (sampler.ts).
   */
  heartbeat(flushAfterMs = this.config.flushIntervalMs): void {
    if (this.ended) return
    const at = nowUs()
    if (at - this.lastCpuReadUs >= (this.config.cpuReadIntervalMs * 1000) / 2) {
      this.lastCpuReadUs = at
      this.append({ t: 'cpu', at, cpu: this.cpu.read() })
    }
    if (at - this.lastFlushUs >= flushAfterMs * 1000) this.flush('interval')
  }

  /**
   * Writes everything sampled so far as a chunk; sampling goes on without a gap.
   *
   * Reentrancy: a parent's rescue or flush arrives as a V8 interrupt and can land in the middle of this thread's
   * own flush. A nested flush is skipped (one is under way); a nested end() writes the profile this flush
   * holds (`inFlight`) and every profile still running, so an interrupted flush loses nothing. A chunk written
   * twice that way is harmless: the reader drops samples at or before ones it already has.
   */
  flush(reason: ChunkReason): void {
    if (this.ended || this.flushing) return
    this.flushing = true
    const cpuBefore = this.cpu.read()
    try {
      const profiles = this.sampler.rotate()
      this.inFlight = profiles
      for (const profile of profiles) this.writeChunk(profile, reason)
    } catch (err) {
      debug('agent', `flush failed: ${String(err)}`)
    } finally {
      this.inFlight = []
      this.flushing = false
      this.ownCpuUs += this.cpu.read() - cpuBefore
      this.flushCount++
      this.onFlushed()
    }
  }

  /** Final flush: stops sampling for good and records how the thread ended. Safe to call twice. */
  end(how: EndHow, detail?: string): void {
    if (this.ended) return
    this.ended = true
    // The timer is not cleared here: end() can run as an inspector interrupt (a parent's rescue) that landed
    // inside Node's timer processing (listOnTimeout), where removing a timer corrupts the timer list ("Cannot
    // read properties of undefined (reading 'expiry')" at compareTimersLists, seen on tinypool's suite). The
    // unref'd timer clears itself at its next tick.
    try {
      for (const profile of [...this.inFlight, ...this.sampler.stop()]) this.writeChunk(profile, 'final')
    } catch (err) {
      debug('agent', `final flush failed: ${String(err)}`)
    }
    this.append({ t: 'end', at: nowUs(), how, ...(detail ? { detail } : {}) })
    this.spool.close()
    this.finished = true
    debug('agent', `${this.flushCount} flushes cost ${(this.ownCpuUs / 1000).toFixed(1)} ms; ended (${how}${detail ? `: ${detail}` : ''})`)
  }

  private writeChunk(profile: V8Profile, reason: ChunkReason): void {
    const at = nowUs()
    const cpu = this.cpu.read()
    this.lastFlushUs = at
    try {
      const { seq, file } = this.spool.writeChunk(profile)
      this.append({
        t: 'chunk',
        at,
        seq,
        file,
        from: profile.startTime,
        to: profile.endTime,
        samples: profile.samples?.length ?? 0,
        reason,
        cpu,
      })
    } catch (err) {
      debug('agent', `chunk write failed: ${String(err)}`)
    }
  }

  // ---- test windows (called by the setup file in vitest's test threads) ----

  openWindow(): { id: number; start: number; cpuStart: number } {
    this.resume()
    const id = ++this.windowSeq
    if (this.openWindowIds.size > 0) {
      this.overlapped.add(id)
      for (const other of this.openWindowIds) this.overlapped.add(other)
    }
    this.openWindowIds.add(id)
    return { id, start: nowUs(), cpuStart: this.cpu.read() }
  }

  closeWindow(
    open: { id: number; start: number; cpuStart: number },
    info: Omit<WindowEvent, 't' | 'at' | 'start' | 'end' | 'cpuStart' | 'cpuEnd' | 'concurrent'>,
  ): void {
    const end = nowUs()
    const cpuEnd = this.cpu.read()
    this.openWindowIds.delete(open.id)
    const concurrent = this.overlapped.delete(open.id)
    this.append({ t: 'window', at: end, start: open.start, end, cpuStart: open.cpuStart, cpuEnd, concurrent, ...info })
  }
}

/** True if the run this thread was started for is still the active one (inert otherwise). */
export function runIsActive(config: AgentConfig): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(config.runDir, RUN_MANIFEST_FILE), 'utf8'))
    return manifest.runId === config.runId && !manifest.endedAt
  } catch {
    return false
  }
}
