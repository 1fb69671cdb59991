/**
 * Stage 3: CPU from clocks. A thread's CPU clock readings (cpu events, the reading at each chunk stop, the
 * readings at each window's ends) form a step timeline. Samples tell WHERE the thread was, clocks tell HOW MUCH
 * CPU it burnt: the CPU between two consecutive readings is split over the on-CPU samples taken between them,
 * in proportion to their time deltas (under contention the sampler fires irregularly, so counts alone would
 * over-weight bursts). Off-CPU samples (idle, waiting) get none, whatever their wall time.
 * Threads without a clock (CpuClockKind 'none') fall back to the samples' wall weights, flagged as estimates.
 */
import type { ThreadRecord } from '../spool/reader.js'
import { isOnCpu, type Sample } from './samples.js'

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
    // Readings from different sources can disagree by a few us; the clock never runs backwards.
    const v = Math.max(c, last)
    at.push(t)
    cpu.push(v)
    last = v
  }
  return { at, cpu, hasClock: thread.start.cpuClock !== 'none' && at.length > 1 }
}

/**
 * Fills `cpuUs` of every sample: each clock interval's CPU over its on-CPU samples by weight. Returns the CPU
 * that no sample could carry (clock intervals with no on-CPU sample: sampler start-up gaps, tiny intervals).
 */
export function assignSampleCpu(tl: CpuTimeline, samples: Sample[]): { unsampledUs: number } {
  for (const s of samples) s.cpuUs = 0
  if (!tl.hasClock) {
    for (const s of samples) if (isOnCpu(s.kind)) s.cpuUs = s.weight
    return { unsampledUs: 0 }
  }
  let unsampledUs = 0
  let i = lowerBound(samples, tl.at[0]!)
  for (let k = 1; k < tl.at.length; k++) {
    const a = tl.at[k - 1]!
    const b = tl.at[k]!
    const span = tl.cpu[k]! - tl.cpu[k - 1]!
    const first = i
    let total = 0
    for (; i < samples.length && samples[i]!.ts <= b; i++) if (samples[i]!.ts > a && isOnCpu(samples[i]!.kind)) total += samples[i]!.weight
    if (span <= 0) continue
    if (total <= 0) {
      unsampledUs += span
      continue
    }
    // A sample cannot burn more CPU than the wall time it stands for. Clock time beyond that was burnt while
    // the samples showed the thread idle or waiting (native work V8 does not attribute, e.g. inspector message
    // dispatch): it stays unsampled instead of inflating whatever line happened to run in the same interval.
    const rate = Math.min(1, span / total)
    unsampledUs += span - rate * total
    for (let j = first; j < i; j++) {
      const s = samples[j]!
      if (s.ts > a && isOnCpu(s.kind)) s.cpuUs += s.weight * rate
    }
  }
  return { unsampledUs }
}

/** Cumulative CPU at time t, spreading each reading interval over its on-CPU samples. */
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

/** On-CPU microseconds of the thread in (from, to]. */
export function cpuBetween(tl: CpuTimeline, samples: Sample[], from: number, to: number): number {
  if (!tl.hasClock) return workWeight(samples, from, to)
  const workIn = (a: number, b: number) => workWeight(samples, a, b)
  return Math.max(0, cumulativeAt(tl, to, workIn) - cumulativeAt(tl, from, workIn))
}

/** Sum of on-CPU sample weights with ts in (a, b]. Samples are sorted by ts. */
export function workWeight(samples: Sample[], a: number, b: number): number {
  let sum = 0
  for (let i = lowerBound(samples, a); i < samples.length && samples[i]!.ts <= b; i++) {
    const s = samples[i]!
    if (isOnCpu(s.kind)) sum += s.weight
  }
  return sum
}

/** First index with ts > t. */
export function lowerBound(samples: { ts: number }[], t: number): number {
  let lo = 0
  let hi = samples.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (samples[mid]!.ts <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}
