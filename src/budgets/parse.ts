/**
 * Budget validation and normalization: a raw `budget` (from test or describe meta, a tag, or the plugin's
 * `budget` option) → a NormalizedBudget in milliseconds and 0..1 shares, or the list of what was wrong.
 *
 * Pure (no vitest, no file system but the re-exported checkLineExists). The values reach us from JavaScript
 * configs, tags and `as any` casts that the compiler never saw, so every rule of types.ts is checked again
 * here, and a bad input becomes an error that names the key, the value and what is accepted (DESIGN.md
 * "Budget semantics": it fails that test, it never crashes the run). Whether a `lines` entry names a real line
 * is checked against the source by checkLineExists (source-lines.ts, re-exported here), once the root is known.
 */
import { LINE_KEY_ACCEPTED, parseLineKey } from './line-key.js'

export { parseLineKey } from './line-key.js'
export { checkLineExists } from './source-lines.js'

export type Limit = { kind: 'ms'; ms: number } | { kind: 'share'; share: number /* 0..1 */ }

export interface NormalizedBudget {
  /** ms */
  cpu?: { total?: number; main?: number; workers?: number }
  /** ms */
  wall?: number
  /** `key` as written ('src/parse.ts:42'); `file` with `\` as `/` and no leading './'. */
  lines: { key: string; file: string; line: number; limit: Limit }[]
  functions: { name: string; limit: Limit }[]
  minSamples?: number
  strict: boolean
  /** The regression gate's tolerance for this test (0.25 = 25% over its baseline), over the plugin's default. */
  regression?: number
}

export interface BudgetInputError {
  /** Where, as a path from `budget`: 'budget.cpu.main', 'budget.lines["src/parse.ts:42"]'. */
  key: string
  value: unknown
  /** What that key accepts, in words (the tail of `message`). */
  accepted: string
  /** One sentence, starting with 'vitest-profiler: budget'. */
  message: string
}

const TOP_KEYS = ['cpu', 'wall', 'lines', 'functions', 'minSamples', 'strict', 'regression'] as const
const CPU_KEYS = ['total', 'main', 'workers'] as const

export const ACCEPTED = {
  budget: `an object of limits with the keys ${TOP_KEYS.join(', ')}`,
  duration: "a positive duration: a number of milliseconds or a string like '250ms' or '1.5s'",
  cpu:
    "a positive duration: a number of milliseconds or a string like '250ms' or '1.5s', " +
    'or an object { total?, main?, workers? } of such durations',
  limit:
    "a positive duration: a number of milliseconds or a string like '250ms' or '1.5s', " +
    "or a share of the test's CPU above 0% and at most 100% like '20%'",
  lines: "an object mapping source lines 'path:line' to a duration or a share, like { 'src/parse.ts:42': '20%' }",
  functions: "an object mapping function names to a duration or a share, like { parseRow: '30ms' }",
  lineKey: LINE_KEY_ACCEPTED,
  functionName: 'a non-empty function name',
  minSamples: 'a positive integer (samples)',
  strict: 'true or false',
  regression: "a share above 0% like '25%' (how far over its baseline the test's CPU may go; over 100% is allowed)",
} as const

/**
 * The number part of '250ms' / '1.5s' / '20%'. Accepts the strings the template types of types.ts accept
 * (TypeScript takes anything `+s` reads as a finite number, so '250 ms' and '1e3ms' compile): the compiler
 * and the run time then agree, and nothing that type-checks is refused later except non-positive values.
 */
function numberBefore(s: string, unit: string): number | null {
  if (!s.endsWith(unit)) return null
  const head = s.slice(0, -unit.length)
  if (head.trim() === '') return null
  const n = Number(head)
  return Number.isFinite(n) ? n : null
}

/** A positive duration in ms: 250, '250ms', '1.5s'; null if not accepted (0, negative, NaN, Infinity, other units). */
export function parseDuration(v: unknown): number | null {
  let ms: number | null = null
  if (typeof v === 'number') ms = v
  else if (typeof v === 'string') {
    // 'ms' before 's': '250ms' also ends with 's', and its head '250m' is no number anyway.
    const asMs = numberBefore(v, 'ms')
    if (asMs !== null) ms = asMs
    else {
      const asS = numberBefore(v, 's')
      if (asS !== null) ms = asS * 1000
    }
  }
  return ms !== null && Number.isFinite(ms) && ms > 0 ? ms : null
}

/** A share '20%' → 0.2; null unless above 0% and at most 100%. */
export function parseShare(v: unknown): number | null {
  if (typeof v !== 'string') return null
  const pct = numberBefore(v, '%')
  return pct !== null && pct > 0 && pct <= 100 ? pct / 100 : null
}

/** A line or function limit: a duration (ms) or a share. */
export function parseLimit(v: unknown): Limit | null {
  const share = parseShare(v)
  if (share !== null) return { kind: 'share', share }
  const ms = parseDuration(v)
  return ms !== null ? { kind: 'ms', ms } : null
}

/** '250 ms', '12.0 ms', '1.50 s': three significant digits, seconds from 1 s; used in messages. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms} ms`
  if (ms === 0) return '0 ms'
  const abs = Math.abs(ms)
  // From 999.5 ms on, three digits of ms would round to '1000 ms': seconds read better.
  if (abs >= 999.5) return `${threeDigits(ms / 1000)} s`
  return `${threeDigits(ms)} ms`
}

function threeDigits(x: number): string {
  // toPrecision(3) would write 1234 as '1.23e+3'; at 100 and above whole units are precise enough.
  return Math.abs(x) >= 99.95 ? String(Math.round(x)) : x.toPrecision(3)
}

/** A JSON-ish rendering of a bad value for messages: strings JSON-quoted, objects by kind (never dumped whole). */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'function') return 'a function'
  if (v === null || typeof v !== 'object') return String(v)
  if (Array.isArray(v)) return 'an array'
  return isPlainObject(v) ? 'an object' : `an instance of ${(v as object).constructor?.name ?? 'an unknown class'}`
}

/** Plain objects only: vitest's meta objects are `Object.create(null)`, structured clones are `{}`. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** 'budget.cpu.main', 'budget.lines["src/parse.ts:42"]': identifiers dotted, anything else bracketed. */
export function keyPath(parent: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`
}

/**
 * Validates and normalizes one raw budget. null/undefined → no budget and no errors. With any error the budget
 * is null too: the test fails on the errors, and checking the valid half would hide which limits applied.
 */
export function parseBudget(raw: unknown): { budget: NormalizedBudget | null; errors: BudgetInputError[] } {
  if (raw === undefined || raw === null) return { budget: null, errors: [] }
  const errors: BudgetInputError[] = []
  const bad = (key: string, value: unknown, accepted: string): void => {
    const subject = key === 'budget' ? 'budget' : `budget key '${key}'`
    errors.push({ key, value, accepted, message: `vitest-profiler: ${subject} must be ${accepted}, got ${showValue(value)}.` })
  }
  const unknownKey = (key: string, value: unknown, where: string, accepted: readonly string[]): void => {
    const list = accepted.join(', ')
    errors.push({
      key,
      value,
      accepted: `one of the keys ${list}`,
      message: `vitest-profiler: budget key '${key}' is unknown; accepted keys in '${where}': ${list}.`,
    })
  }
  if (!isPlainObject(raw)) {
    bad('budget', raw, ACCEPTED.budget)
    return { budget: null, errors }
  }

  const budget: NormalizedBudget = { lines: [], functions: [], strict: false }
  for (const [key, value] of Object.entries(raw)) {
    const path = keyPath('budget', key)
    // An explicit undefined is an absent key, as for the plugin's options (`{ wall: cond ? '1s' : undefined }`).
    if (value === undefined) continue
    switch (key) {
      case 'cpu': {
        if (isPlainObject(value)) {
          const cpu: NonNullable<NormalizedBudget['cpu']> = {}
          for (const [part, v] of Object.entries(value)) {
            const partPath = keyPath(path, part)
            if (!(CPU_KEYS as readonly string[]).includes(part)) unknownKey(partPath, v, path, CPU_KEYS)
            else if (v !== undefined) {
              const ms = parseDuration(v)
              if (ms === null) bad(partPath, v, ACCEPTED.duration)
              else cpu[part as (typeof CPU_KEYS)[number]] = ms
            }
          }
          if (Object.keys(cpu).length) budget.cpu = cpu
        } else {
          const ms = parseDuration(value)
          if (ms === null) bad(path, value, ACCEPTED.cpu)
          else budget.cpu = { total: ms }
        }
        break
      }
      case 'wall': {
        const ms = parseDuration(value)
        if (ms === null) bad(path, value, ACCEPTED.duration)
        else budget.wall = ms
        break
      }
      case 'lines': {
        if (!isPlainObject(value)) {
          bad(path, value, ACCEPTED.lines)
          break
        }
        for (const [lineKey, v] of Object.entries(value)) {
          const entryPath = keyPath(path, lineKey)
          const where = parseLineKey(lineKey)
          if (!where) {
            // The key is what is wrong here, so it is the value shown.
            bad(entryPath, lineKey, ACCEPTED.lineKey)
            continue
          }
          if (v === undefined) continue
          const limit = parseLimit(v)
          if (!limit) bad(entryPath, v, ACCEPTED.limit)
          else budget.lines.push({ key: lineKey, file: where.file, line: where.line, limit })
        }
        break
      }
      case 'functions': {
        if (!isPlainObject(value)) {
          bad(path, value, ACCEPTED.functions)
          break
        }
        for (const [name, v] of Object.entries(value)) {
          const entryPath = keyPath(path, name)
          if (name.trim() === '') {
            bad(entryPath, name, ACCEPTED.functionName)
            continue
          }
          if (v === undefined) continue
          const limit = parseLimit(v)
          if (!limit) bad(entryPath, v, ACCEPTED.limit)
          else budget.functions.push({ name, limit })
        }
        break
      }
      case 'minSamples': {
        if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) budget.minSamples = value
        else bad(path, value, ACCEPTED.minSamples)
        break
      }
      case 'strict': {
        if (typeof value === 'boolean') budget.strict = value
        else bad(path, value, ACCEPTED.strict)
        break
      }
      case 'regression': {
        const n = typeof value === 'string' ? numberBefore(value, '%') : null
        if (n !== null && n > 0) budget.regression = n / 100
        else bad(path, value, ACCEPTED.regression)
        break
      }
      default:
        unknownKey(path, value, 'budget', TOP_KEYS)
    }
  }
  return errors.length ? { budget: null, errors } : { budget, errors }
}
