// Proves that the type test can fail: the budget below is valid, so this @ts-expect-error is unused, which tsc
// reports (TS2578). budget-types.test.ts asserts that this is the one and only error of the program: an
// expect-error directive in budget.test-d.ts whose error stopped happening would show up the same way.
import type { Budget } from '../../src/budgets/types.js'

// @ts-expect-error: not an error (on purpose)
export const valid: Budget = { wall: '1s' }
