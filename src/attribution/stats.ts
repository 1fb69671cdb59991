/**
 * The statistical model behind every share we print.
 *
 * A bucket (a test, or the time outside tests of a file) has n on-CPU samples. Each sample is treated as one
 * draw from the bucket's CPU time: with probability p it lands on a given line (or function). The estimate of p
 * is the line's CPU-weighted share p̂ = Σ cpu(line samples) / Σ cpu(all samples), where a sample's CPU is its
 * thread's clock time spread by time deltas (cpu.ts). Samples do not weigh the same (threads differ in CPU per
 * sample), so n is replaced by Kish's effective sample size n_eff = (Σw)² / Σw². The 95% bound on p is the
 * Wilson score interval for p̂ with n_eff trials (it stays inside [0, 1] and behaves at small counts, unlike
 * the normal approximation). A line's CPU bound is the bucket's clock CPU times that interval.
 *
 * Caveats stated in the README: the sampler ticks at a fixed interval, so code whose period locks onto the
 * interval breaks the independence assumption; the bound covers sampling noise only, not clock resolution or
 * profiler overhead.
 *
 * Floor: a figure resting on fewer than `minSamples` samples of its own (default 20, where the relative 95%
 * half-width is about ±44%) is INCONCLUSIVE: reports print that word, not a percentage, and budgets never fail
 * on it.
 */

export const DEFAULT_MIN_SAMPLES = 20
const Z95 = 1.959963984540054

export interface Figure {
  /** Point estimate of the share, 0..1. */
  share: number
  /** 95% Wilson bounds of the share. */
  low: number
  high: number
  /** Samples behind the figure (fractional: histogram splits, see locations.ts). */
  samples: number
  inconclusive: boolean
}

/** Wilson score interval for a proportion p̂ observed over n trials. */
export function wilson(p: number, n: number, z = Z95): { low: number; high: number } {
  if (!(n > 0)) return { low: 0, high: 1 }
  const pc = Math.min(1, Math.max(0, p))
  const z2 = z * z
  const denom = 1 + z2 / n
  const centre = (pc + z2 / (2 * n)) / denom
  const half = (z * Math.sqrt((pc * (1 - pc)) / n + z2 / (4 * n * n))) / denom
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) }
}

/** Kish's effective sample size of weights with sum `sum` and sum of squares `sumSq`. */
export function effectiveN(sum: number, sumSq: number): number {
  return sumSq > 0 ? (sum * sum) / sumSq : 0
}

export function figure(partWeight: number, totalWeight: number, nEff: number, samples: number, minSamples: number): Figure {
  const share = totalWeight > 0 ? partWeight / totalWeight : 0
  const { low, high } = wilson(share, nEff)
  return { share, low, high, samples, inconclusive: samples < minSamples }
}
