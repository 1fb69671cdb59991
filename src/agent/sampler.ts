/**
 * The sampler interface and its default backend, node:inspector's Profiler in the profiled thread itself.
 *
 * Why in-thread: `session.post` on an in-thread session is synchronous, so a flush works inside exit handlers,
 * signal handlers and inspector interrupts (the parent's terminate rescue, see rescue.ts). No port is opened.
 *
 * Rotation without a gap: stopping and restarting one profile leaves 12-18 ms unsampled. Two sessions
 * alternate instead: start the next profile, then stop the current one. The profiles overlap by a few samples,
 * which the reader drops (format.ts), and no time goes unsampled.
 */
import { Session } from 'node:inspector'
import type { V8Profile } from '../spool/format.js'

export interface Sampler {
  readonly name: 'inspector'
  start(): void
  /** Starts a new profile and returns the one that was running (null if none). */
  rotate(): V8Profile | null
  /**
   * Stops sampling for good and returns every profile still running, oldest first. Usually one; two when the
   * stop interrupted a rotation between its start and its stop (a parent's rescue arrives as a V8 interrupt,
   * which can land anywhere in our own JS), so that nothing sampled is dropped.
   */
  stop(): V8Profile[]
}

function postSync<T>(session: Session, method: string, params?: object): T {
  let result: T | undefined
  let error: Error | null = null
  session.post(method, params ?? {}, (err, res) => {
    error = err
    result = res as T
  })
  if (error) throw error
  return result as T
}

export class InspectorSampler implements Sampler {
  readonly name = 'inspector' as const
  private readonly sessions: [Session, Session]
  /** Which session holds the newest profile; -1 once stopped. */
  private active = -1
  /** Order in which the running profiles were started (oldest first). */
  private running: number[] = []
  private stopped = false

  constructor(intervalUs: number) {
    this.sessions = [new Session(), new Session()]
    for (const s of this.sessions) {
      s.connect()
      postSync(s, 'Profiler.enable')
      postSync(s, 'Profiler.setSamplingInterval', { interval: intervalUs })
    }
  }

  start(): void {
    if (this.active !== -1 || this.stopped) return
    this.begin(0)
    this.active = 0
  }

  rotate(): V8Profile | null {
    if (this.active === -1 || this.stopped) return null
    const current = this.active
    const next = current === 0 ? 1 : 0
    this.begin(next)
    this.active = next
    return this.end(current)
  }

  stop(): V8Profile[] {
    if (this.stopped) return []
    this.stopped = true
    this.active = -1
    const profiles: V8Profile[] = []
    for (const index of [...this.running]) {
      const p = this.end(index)
      if (p) profiles.push(p)
    }
    for (const s of this.sessions) {
      try {
        s.disconnect()
      } catch {}
    }
    return profiles
  }

  private begin(index: number): void {
    postSync(this.sessions[index]!, 'Profiler.start')
    this.running.push(index)
  }

  private end(index: number): V8Profile | null {
    if (!this.running.includes(index)) return null
    this.running = this.running.filter((i) => i !== index)
    return postSync<{ profile: V8Profile }>(this.sessions[index]!, 'Profiler.stop').profile
  }
}
