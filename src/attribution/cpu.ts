/**
 * On-CPU time of a thread between two instants, from its clock readings (cpu events and the readings taken at
 * each chunk). Between two readings the CPU is spread in proportion to the thread's work samples there (a
 * thread that was waiting for half the interval did not burn CPU in that half); with no work samples in the
 * interval, evenly.
 */
import type { ThreadRecord } from '../spool/reader.js'
import type { Sample } from './samples.js'

export interface CpuTimeline {
  at: number[]
  cpu: number[]
  hasClock: boolean
}

export function cpuTimeline(thread: ThreadRecord): CpuTimeline {
  const points: [number, number][] = []
  for (const e of thread.cpu) points.push([e.at, e.cpu])
  for (const c of thread.chunks) points.push([c.event.at, c.event.cpu])
  for (const w of thread.windows) points.push([w.start, w.cpuStart], [w.end, w.cpuEnd])
  points.sort((a, b) => a[0] - b[0])
  const at: number[] = []
  const cpu: number[] = []
  let last = -Infinity
  for (const [t, c] of points) {
    const v = Math.max(c, last)
    at.push(t)
    cpu.push(v)
    last = v
  }
  return { at, cpu, hasClock: thread.start.cpuClock !== 'none' }
}

/** Cumulative CPU at time t, spreading each reading interval over its work samples. */
function cumulativeAt(tl: CpuTimeline, t: number, workIn: (a: number, b: number) => number): number {
  const { at, cpu } = tl
  if (!at.length) return 0
  if (t <= at[0]!) return cpu[0]!
  if (t >= at[at.length - 1]!) return cpu[cpu.length - 1]!
  let lo = 0
  let hi = at.length - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (at[mid]! <= t) lo = mid
    else hi = mid
  }
  const a = at[lo]!
  const b = at[hi]!
  const span = cpu[hi]! - cpu[lo]!
  if (span <= 0 || b <= a) return cpu[lo]!
  const total = workIn(a, b)
  const fraction = total > 0 ? workIn(a, t) / total : (t - a) / (b - a)
  return cpu[lo]! + span * fraction
}

export function cpuBetween(tl: CpuTimeline, samples: Sample[], from: number, to: number): number {
  if (!tl.hasClock) {
    // No CPU clock on this platform/thread: estimate from work samples (reported as an estimate).
    return workWeight(samples, from, to)
  }
  const workIn = (a: number, b: number) => workWeight(samples, a, b)
  return Math.max(0, cumulativeAt(tl, to, workIn) - cumulativeAt(tl, from, workIn))
}

/** Sum of work/gc sample weights with ts in (a, b]. Samples are sorted by ts. */
export function workWeight(samples: Sample[], a: number, b: number): number {
  let sum = 0
  for (let i = lowerBound(samples, a); i < samples.length && samples[i]!.ts <= b; i++) {
    const s = samples[i]!
    if (s.ts > a && (s.kind === 'work' || s.kind === 'gc')) sum += s.weight
  }
  return sum
}

export function lowerBound(samples: Sample[], t: number): number {
  let lo = 0
  let hi = samples.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (samples[mid]!.ts <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}
