/**
 * The regression gate's options (plugin option `baseline`, and the bin's flags, which override it): where the
 * baseline lives, whether this run writes it, and how the gate judges. Validation names what was wrong and what
 * is accepted, like the other options.
 */
import { parseDuration } from '../budgets/parse.js'
import type { Duration, Share } from '../budgets/types.js'

export interface BaselineOptions {
  /** The baseline file, relative to the vitest root. Default `vitest-profiler.baseline.json` (commit it). */
  file?: string
  /** Write the baseline from this run instead of comparing with it (`vitest-profile run --update-baseline`). */
  update?: boolean
  /** How far over its baseline a test's CPU may go before it is a regression. Default '10%' (a test's CPU from its clocks varies by a few percent under load: bench/gate.mjs). */
  tolerance?: Share
  /** ...and by at least this much (so that micro-tests cannot flap). Default '20ms'. */
  floor?: Duration
  /** Re-runs of the breaching tests alone before a regression fails the run (judged on their median). Default 3. */
  reruns?: number
}

export interface ResolvedBaselineOptions {
  file: string
  update: boolean
  /** 0.25 = 25% */
  tolerance: number
  floorMs: number
  reruns: number
}

export const DEFAULT_BASELINE: ResolvedBaselineOptions = { file: 'vitest-profiler.baseline.json', update: false, tolerance: 0.1, floorMs: 20, reruns: 3 }

const KEYS = ['file', 'update', 'tolerance', 'floor', 'reruns'] as const

/** null: valid; otherwise the message. */
export function resolveBaselineOptions(input: unknown): ResolvedBaselineOptions | string {
  if (input === undefined || input === null) return { ...DEFAULT_BASELINE }
  if (typeof input !== 'object' || Array.isArray(input)) return `vitest-profiler: option 'baseline' must be an object with the keys ${KEYS.join(', ')}, got ${typeof input === 'string' ? JSON.stringify(input) : String(input)}.`
  const out = { ...DEFAULT_BASELINE }
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue
    const bad = (accepted: string) => `vitest-profiler: option 'baseline.${key}' must be ${accepted}, got ${JSON.stringify(value) ?? String(value)}.`
    switch (key) {
      case 'file':
        if (typeof value !== 'string' || value.trim() === '') return bad('a non-empty path (relative to the vitest root)')
        out.file = value
        break
      case 'update':
        if (typeof value !== 'boolean') return bad('true or false')
        out.update = value
        break
      case 'tolerance': {
        const n = typeof value === 'string' && value.endsWith('%') ? Number(value.slice(0, -1)) : Number.NaN
        if (!Number.isFinite(n) || n <= 0) return bad("a share above 0% like '25%'")
        out.tolerance = n / 100
        break
      }
      case 'floor': {
        const ms = parseDuration(value)
        if (ms === null) return bad("a positive duration: a number of milliseconds or a string like '20ms' or '0.1s'")
        out.floorMs = ms
        break
      }
      case 'reruns':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 20) return bad('an integer from 0 to 20 (re-runs)')
        out.reruns = value
        break
      default:
        return `vitest-profiler: unknown option 'baseline.${key}'. Accepted: ${KEYS.join(', ')}.`
    }
  }
  return out
}
