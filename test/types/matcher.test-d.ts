// Compile-time checks of the block assertion `toStayWithinBudget` (tsc only; see budget.test-d.ts).
import { expect, test } from 'vitest'
import '../../src/budgets/matcher.js'

test('block budgets', async () => {
  await expect(() => 1).toStayWithinBudget({ cpu: '50ms' })
  await expect(async () => 1).toStayWithinBudget({ cpu: { main: '10ms', workers: 200 }, wall: '1s', strict: true })
  await expect(() => 1).toStayWithinBudget('200ms')
  await expect(() => 1).toStayWithinBudget(200)
  // It returns a promise: the result is awaitable and nothing else.
  const p: Promise<void> = expect(() => 1).toStayWithinBudget('1s')
  await p
  // @ts-expect-error: line budgets need samples: not accepted in a block
  await expect(() => 1).toStayWithinBudget({ lines: { 'a.ts:1': '10%' } })
  // @ts-expect-error: a wrong unit
  await expect(() => 1).toStayWithinBudget('12 parsecs')
  // @ts-expect-error: a share is no duration
  await expect(() => 1).toStayWithinBudget({ wall: '20%' })
  // @ts-expect-error: a typo'd key
  await expect(() => 1).toStayWithinBudget({ cpuu: '1ms' })
})
