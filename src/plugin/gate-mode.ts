/**
 * Whether this vitest process runs the regression gate, and how: from the bin's flags (`--update-baseline`,
 * `--baseline <file>`, `--runs <n>`, `--gate-reruns <n>`: taken out of argv before vitest parses it, handed over
 * on globalThis because the plugin in the user's config runs in this same process), the plugin's `baseline`
 * option, whether the baseline file exists, and `VITEST_PROFILER_GATE=measure` (a re-run that the gate itself
 * started: it only meters, gate-rerun.ts). Nothing of it goes into any env a test can see: the variable is
 * taken out of this process's env as soon as it is read (vitest copies the env into every test's).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ResolvedOptions } from './options.js'

export const GATE_FLAGS = Symbol.for('vitest-profiler.gate-flags')
export const GATE_ENV = 'VITEST_PROFILER_GATE'

export interface GateFlags {
  update?: boolean
  /** `--baseline <file>`: compare with this file (an error if it is missing). */
  baseline?: string
  /** `--runs <n>` with --update-baseline: runs of the suite the baseline keeps per test. */
  runs?: number
  reruns?: number
  /** `--merge-reports <dir>` of the bin, when the dir holds our shard files. */
  mergeDir?: string
}

export interface GateMode {
  /** Every test is metered (its figures recorded in its meta). */
  meterAll: boolean
  /** This process compares with, or writes, the baseline. */
  active: boolean
  update: boolean
  /** Absolute. */
  file: string
  /** The user named the file (--baseline): a missing one is an error, not a note. */
  explicit: boolean
  runs: number
  reruns: number
  tolerance: number
  floorMs: number
}

let measureOnly: boolean | null = null

/** A re-run started by the gate (read once, and out of the env before any pool starts). */
export function isGateRerun(): boolean {
  if (measureOnly === null) {
    measureOnly = process.env[GATE_ENV] === 'measure'
    delete process.env[GATE_ENV]
  }
  return measureOnly
}

export function gateFlags(): GateFlags {
  return ((globalThis as Record<symbol, unknown>)[GATE_FLAGS] as GateFlags | undefined) ?? {}
}

export function gateMode(root: string, options: ResolvedOptions): GateMode {
  const flags = gateFlags()
  const b = options.baseline
  const file = path.resolve(root, flags.baseline ?? b.file)
  const update = flags.update ?? b.update
  const rerun = isGateRerun()
  const active = !rerun && (update || flags.baseline !== undefined || fs.existsSync(file))
  return {
    meterAll: rerun || active,
    active,
    update,
    file,
    explicit: flags.baseline !== undefined,
    runs: Math.max(1, flags.runs ?? 1),
    reruns: flags.reruns ?? b.reruns,
    tolerance: b.tolerance,
    floorMs: b.floorMs,
  }
}

/**
 * Takes the gate's flags out of the bin's argv (vitest would reject them), e.g. `--update-baseline`,
 * `--baseline=f` or `--baseline f`. Returns the rest, or an error message naming the flag and what it takes.
 */
export function takeGateFlags(argv: string[]): { rest: string[]; flags: GateFlags } | { error: string } {
  const rest: string[] = []
  const flags: GateFlags = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    const value = () => inline ?? argv[++i]
    switch (name) {
      case '--update-baseline':
        flags.update = true
        break
      case '--baseline': {
        const v = value()
        if (!v || v.startsWith('--')) return { error: 'vitest-profile: --baseline takes a file path (--baseline perf/baseline.json)' }
        flags.baseline = v
        break
      }
      case '--runs':
      case '--gate-reruns': {
        const v = value()
        const n = Number(v)
        const [min, max] = name === '--runs' ? [1, 50] : [0, 20]
        if (!Number.isInteger(n) || n < min || n > max) return { error: `vitest-profile: ${name} takes an integer from ${min} to ${max}, got ${JSON.stringify(v ?? '')}` }
        if (name === '--runs') flags.runs = n
        else flags.reruns = n
        break
      }
      default:
        rest.push(a)
    }
  }
  if (flags.runs !== undefined && !flags.update) return { error: 'vitest-profile: --runs is for --update-baseline (the runs a baseline keeps per test)' }
  return { rest, flags }
}
