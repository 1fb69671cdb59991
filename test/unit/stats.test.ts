import { describe, expect, test } from 'vitest'
import { effectiveN, figure, wilson } from '../../src/attribution/stats.js'

describe('statistical model', () => {
  test('Wilson interval matches the textbook values and stays in [0, 1]', () => {
    // 50 of 100: 95% Wilson interval [0.4038, 0.5962].
    const w = wilson(0.5, 100)
    expect(w.low).toBeCloseTo(0.4038, 3)
    expect(w.high).toBeCloseTo(0.5962, 3)
    const zero = wilson(0, 10)
    expect(zero.low).toBe(0)
    expect(zero.high).toBeCloseTo(0.2775, 3)
    expect(wilson(1, 5).high).toBe(1)
  })
  test('Kish effective n: equal weights give n, one dominant weight gives ~1', () => {
    expect(effectiveN(10, 10)).toBe(10)
    expect(effectiveN(100 + 1, 100 * 100 + 1)).toBeCloseTo(1.02, 2)
  })
  test('below the floor a figure is inconclusive, whatever its share', () => {
    expect(figure(90, 100, 19, 19, 20).inconclusive).toBe(true)
    expect(figure(90, 100, 1000, 20, 20).inconclusive).toBe(false)
  })
})
