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
  /** Stops sampling for good and returns the running profile (null if none). */
  stop(): V8Profile | null
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
  private sessions: [Session, Session]
  private active = -1

  constructor(private readonly intervalUs: number) {
    this.sessions = [new Session(), new Session()]
    for (const s of this.sessions) {
      s.connect()
      postSync(s, 'Profiler.enable')
      postSync(s, 'Profiler.setSamplingInterval', { interval: intervalUs })
    }
  }

  start(): void {
    if (this.active !== -1) return
    postSync(this.sessions[0], 'Profiler.start')
    this.active = 0
  }

  rotate(): V8Profile | null {
    if (this.active === -1) return null
    const next = this.active === 0 ? 1 : 0
    postSync(this.sessions[next]!, 'Profiler.start')
    const current = this.active
    this.active = next
    return postSync<{ profile: V8Profile }>(this.sessions[current]!, 'Profiler.stop').profile
  }

  stop(): V8Profile | null {
    if (this.active === -1) return null
    const current = this.active
    this.active = -1
    const profile = postSync<{ profile: V8Profile }>(this.sessions[current]!, 'Profiler.stop').profile
    for (const s of this.sessions) {
      try {
        s.disconnect()
      } catch {}
    }
    return profile
  }
}
