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
import { publishLineage, readAncestors } from './lineage.js'
import { debug } from './debug.js'


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

  constructor(readonly config: AgentConfig) {
    this.key = threadKey(process.pid, threadId)
    this.ancestors = readAncestors()
    publishLineage(this.ancestors, this.key)
    this.cpu = pickCpuClock()
    this.spool = new ThreadSpoolWriter(config.runDir, this.key)
    this.sampler = new InspectorSampler(config.intervalUs)
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
      title: isMainThread ? process.title : '',
      entry: isMainThread ? (process.argv[1] ?? '') : '',
      node: process.version,
      sampler: this.sampler.name,
      intervalUs: config.intervalUs,
      cpuClock: this.cpu.kind,
    })
    this.sampler.start()
    this.lastFlushUs = nowUs()
    this.append({ t: 'cpu', at: this.lastFlushUs, cpu: this.cpu.read() })
    this.timer = realSetInterval(() => this.tick(), config.cpuReadIntervalMs)
    this.timer.unref()
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

  /** Called on every turn of this thread's own timer (the watchdog's heartbeat, signal handlers back on). */
  readonly onTick: (() => void)[] = []

  /** This thread's own timer (runs while its event loop turns). */
  private tick(): void {
    for (const hook of this.onTick) hook()
    this.heartbeat()
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
    }
  }

  /** Final flush: stops sampling for good and records how the thread ended. Safe to call twice. */
  end(how: EndHow, detail?: string): void {
    if (this.ended) return
    this.ended = true
    if (this.timer) realClearInterval(this.timer)
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
