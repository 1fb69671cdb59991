/// <reference types="vitest" preserve="true" />
// (Kept in the emitted .d.ts: without it, a program that reads these types before vitest's drops the augmentation below; see types.ts.)
/**
 * The block-level budget assertion, for the code inside a test:
 *
 *   await expect(() => parse(input)).toStayWithinBudget({ cpu: '50ms' })
 *   await expect(async () => pool.run(task)).toStayWithinBudget('200ms')   // a duration alone: cpu
 *
 * It runs the function (awaiting what it returns) and measures what the calling thread and every worker thread
 * and child process below it spent meanwhile (agent/meter.ts, the same figures as a test's budget), then judges
 * `cpu` and `wall` as a test's budget is judged, with the same message. Line and function budgets need samples
 * and are not accepted here. Always async: `await` it (vitest reports an assertion left unawaited).
 * `.not` is refused: "spends more than" is no budget, and a pass under it would say nothing.
 */
import { parseBudget } from './parse.js'
import { checkAttempt, formatBudgetMessage, overall } from './evaluate.js'
import { toMeasuredMs } from './attempt.js'
import type { MeterMark, Measurement } from '../agent/meter.js'
import type { Budget, Duration } from './types.js'

export const MATCHER_NAME = 'toStayWithinBudget'

export interface BlockBudget {
  cpu?: Budget['cpu']
  wall?: Duration
  strict?: boolean
}

interface MatcherContext {
  isNot: boolean
}

export function makeBudgetMatcher(meter: { mark(): MeterMark; measureSince(m: MeterMark): Measurement }) {
  return async function toStayWithinBudget(this: MatcherContext, received: unknown, budget: BlockBudget | Duration) {
    if (this.isNot) throw new TypeError(`vitest-profiler: .not.${MATCHER_NAME}() is not supported: assert the budget itself`)
    if (typeof received !== 'function') {
      throw new TypeError(`vitest-profiler: ${MATCHER_NAME}() expects a function to run and measure, got ${received === null ? 'null' : typeof received}`)
    }
    const raw = typeof budget === 'object' && budget !== null ? budget : { cpu: budget }
    for (const key of Object.keys(raw)) {
      if (key === 'lines' || key === 'functions' || key === 'minSamples') {
        throw new TypeError(`vitest-profiler: ${MATCHER_NAME}() accepts cpu, wall and strict; '${key}' needs samples: put it in the test's meta.budget`)
      }
    }
    const { budget: parsed, errors } = parseBudget(raw)
    if (!parsed) throw new TypeError(errors.map((e) => e.message).join('\n').replace(/budget key 'budget\./g, `${MATCHER_NAME}() key '`))
    const start = meter.mark()
    await (received as () => unknown)()
    const measured = toMeasuredMs(meter.measureSince(start))
    const checks = checkAttempt(parsed, measured)
    const pass = overall(checks.map((c) => c.verdict)) !== 'fail'
    return {
      pass,
      // No actual/expected: vitest would print a unit-less diff of two numbers under the message.
      message: () => (pass ? `the block stayed within its budget` : formatBudgetMessage(checks, measured, '').replace(/^/, 'the block: ')),
    }
  }
}

// vitest's documented way to type a custom matcher (3.2+; vitest 4 and 5): `Matchers`, which Assertion extends.
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface Matchers<T = any> {
    /**
     * Runs the function and fails if what it spent (its thread plus the workers and processes it started)
     * exceeds the budget beyond the error bound: `{ cpu, wall, strict }`, or a duration alone for `cpu`.
     */
    toStayWithinBudget(budget: BlockBudget | Duration): Promise<void>
  }
}
