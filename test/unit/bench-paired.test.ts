import { describe, expect, test } from 'vitest'
// @ts-expect-error: a plain .mjs module of the bench, without type declarations
import { median, medianInterval, verdict } from '../../bench/paired.mjs'

describe('bench statistics (bench/paired.mjs)', () => {
  test('median skips what is not a finite number', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, null, 3, 2, Number.NaN])).toBe(2.5)
    expect(median([null])).toBeNull()
  })

  test('the interval of a median is reproducible, holds the median, and narrows with agreeing reps', () => {
    const noisy = [1.031, 1.072, 1.048, 1.055, 1.04, 1.066, 1.052, 1.037, 1.061]
    const a = medianInterval(noisy)
    expect(a).toEqual(medianInterval(noisy))
    expect(a.median).toBe(1.052)
    expect(a.low).toBeLessThan(a.median)
    expect(a.high).toBeGreaterThan(a.median)
    expect(a.n).toBe(9)
    const quiet = medianInterval(noisy.map((x) => 1.052 + (x - 1.052) / 10))
    expect(quiet.high - quiet.low).toBeLessThan((a.high - a.low) / 5)
  })

  test('fewer than 3 reps give no interval', () => {
    expect(medianInterval([1.01, 1.02, null])).toBeNull()
  })

  test('the verdict is met or missed only when the whole interval says so', () => {
    expect(verdict(medianInterval([1.01, 1.02, 1.03, 1.02, 1.01]), 1.05)).toBe('met')
    expect(verdict(medianInterval([1.07, 1.08, 1.06, 1.09, 1.07]), 1.05)).toBe('missed')
    expect(verdict(medianInterval([1.03, 1.07, 1.045, 1.06, 1.04, 1.055, 1.05]), 1.05)).toBe('inconclusive')
    expect(verdict(null, 1.05)).toBe('inconclusive')
  })
})
