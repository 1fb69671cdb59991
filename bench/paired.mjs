// Statistics of the overhead bench: the median of paired ratios and its bootstrap confidence interval, and the
// verdict against a target. Pure functions (seeded PRNG), so test/unit/bench-paired.test.ts can pin them.
//
// Why an interval: on a shared 2-core host the same code measures 1.045× in one bench and 1.060× in the next
// (README, "Overhead"). A point estimate alone would call the target met or missed by the luck of the
// host, which is the mistake this project exists to stop making about profiles (too few samples lie).

/** Median of the finite numbers in xs; null if none. */
export function median(xs) {
  const s = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b)
  if (!s.length) return null
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** mulberry32: a small seeded PRNG, so the same reps always give the same interval. */
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Percentile-bootstrap confidence interval of the median of `ratios` (each rep's profiled/plain wall).
 * Returns { median, low, high, n } or null for fewer than 3 ratios (no interval worth printing).
 */
export function medianInterval(ratios, { confidence = 0.95, resamples = 4000, seed = 1 } = {}) {
  const xs = ratios.filter((x) => x !== null && Number.isFinite(x))
  if (xs.length < 3) return null
  const random = prng(seed)
  const medians = new Float64Array(resamples)
  const draw = new Array(xs.length)
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < xs.length; i++) draw[i] = xs[Math.floor(random() * xs.length)]
    medians[r] = median(draw)
  }
  medians.sort()
  const tail = (1 - confidence) / 2
  const at = (q) => medians[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))]
  return { median: median(xs), low: at(tail), high: at(1 - tail), n: xs.length }
}

/**
 * 'met' when the whole interval is at or under the target, 'missed' when it is all above, 'inconclusive'
 * when it straddles the target (the host's noise is larger than the margin: more reps, or a quieter machine).
 */
export function verdict(interval, target) {
  if (!interval) return 'inconclusive'
  if (interval.high <= target) return 'met'
  if (interval.low > target) return 'missed'
  return 'inconclusive'
}
