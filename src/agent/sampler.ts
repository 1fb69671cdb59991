/**
 * The sampler interface and its default backend, node:inspector's Profiler in the profiled thread itself.
 *
 * Why in-thread: `session.post` on an in-thread session is synchronous, so a flush works inside exit handlers,
 * signal handlers and inspector interrupts (the parent's terminate rescue, see worker-control.ts). No port.
 *
 * Why `inspector.console.profile(title)` rather than `Profiler.start`/`stop`: each `Profiler.start` makes V8
 * build a new CpuProfiler whose code map is re-logged from the heap, which (measured, Node 20/22/24):
 * - costs 7-35 ms of blocked thread per start, and
 * - cannot resolve optimized (OSR) code compiled before it started: a hot loop that was OSR'd under the
 *   previous profile is charged to its CALLER in the next one (5,516 samples on the caller, 0 on the loop).
 * Titled console profiles are added to the session's one CpuProfiler, which lives as long as any profile runs:
 * its code map is kept, a start costs ~0.1 ms and a stop ~0.7 ms, and starting the next profile before ending
 * the current one leaves no unsampled gap. The finished profile arrives synchronously as
 * `Profiler.consoleProfileFinished` inside `profileEnd`, also inside an interrupt.
 */
import { Session, console as inspectorConsole } from 'node:inspector'
import type { V8Profile } from '../spool/format.js'

export interface Sampler {
  readonly name: 'inspector'
  start(): void
  /**
   * Starts the next profile, then ends the running one(s); returns what ended, oldest first. Usually one.
   * Sampling continues without a gap.
   */
  rotate(): V8Profile[]
  /** Stops sampling for good; returns every profile still running (and any that ended unasked), oldest first. */
  stop(): V8Profile[]
  /**
   * Stops sampling for now (an idle thread, see idle.ts); returns what ended. V8 then disposes of its
   * CpuProfiler, so the next `resume()` pays a fresh one's start (7-35 ms) and its code map (see above).
   */
  suspend(): V8Profile[]
  resume(): void
  readonly suspended: boolean
}

const TITLE_PREFIX = 'vitest-profiler#'

function postSync(session: Session, method: string, params?: object): void {
  let error: Error | null = null
  session.post(method, params ?? {}, (err) => {
    error = err
  })
  if (error) throw error
}

export class InspectorSampler implements Sampler {
  readonly name = 'inspector' as const
  private readonly session = new Session()
  /** Titles of our running profiles, oldest first. */
  private running: string[] = []
  /** Profiles that ended (normally inside our own profileEnd; also if user code called console.profileEnd()). */
  private readonly finished = new Map<string, V8Profile>()
  private seq = 0
  private stopped = false
  private paused = false

  constructor(intervalUs: number) {
    this.session.connect()
    this.session.on('Profiler.consoleProfileFinished', (m: { params: { title?: string; profile: V8Profile } }) => {
      const title = m.params.title ?? ''
      if (!title.startsWith(TITLE_PREFIX)) return
      this.finished.set(title, m.params.profile)
      this.running = this.running.filter((t) => t !== title)
    })
    postSync(this.session, 'Profiler.enable')
    postSync(this.session, 'Profiler.setSamplingInterval', { interval: intervalUs })
  }

  start(): void {
    if (this.stopped || this.running.length) return
    this.begin()
  }

  get suspended(): boolean {
    return this.paused
  }

  suspend(): V8Profile[] {
    if (this.stopped || this.paused) return []
    this.paused = true
    for (const title of [...this.running]) inspectorConsole.profileEnd(title)
    return this.collect()
  }

  resume(): void {
    if (this.stopped || !this.paused) return
    this.paused = false
    this.begin()
  }

  rotate(): V8Profile[] {
    if (this.stopped || this.paused) return []
    const previous = [...this.running]
    this.begin()
    for (const title of previous) inspectorConsole.profileEnd(title)
    return this.collect()
  }

  stop(): V8Profile[] {
    if (this.stopped) return []
    this.stopped = true
    for (const title of [...this.running]) inspectorConsole.profileEnd(title)
    const profiles = this.collect()
    try {
      this.session.disconnect()
    } catch {}
    return profiles
  }

  private begin(): void {
    const title = `${TITLE_PREFIX}${++this.seq}`
    this.running.push(title)
    inspectorConsole.profile(title)
  }

  /** Every finished profile, in start order, removed from the pending set. */
  private collect(): V8Profile[] {
    const titles = [...this.finished.keys()].sort((a, b) => Number(a.slice(TITLE_PREFIX.length)) - Number(b.slice(TITLE_PREFIX.length)))
    const out = titles.map((t) => this.finished.get(t)!)
    this.finished.clear()
    return out
  }
}
