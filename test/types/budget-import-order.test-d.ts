// The budget types imported BEFORE vitest (first file of the program, see tsconfig.json "files"): TypeScript
// merged the `declare module 'vitest'` augmentation into vitest's re-exported TaskMeta only when vitest's
// declarations were loaded first, and lost it silently otherwise. types.ts's `/// <reference types="vitest">`
// fixes the order; without it the valid budget below fails to compile and the expected error is unused.
import type { Budget } from '../../src/budgets/types.js'
import { test } from 'vitest'

const budget: Budget = { wall: '1s' }
test('a valid budget', { meta: { budget } }, () => {})
// @ts-expect-error: 'cpuu' is not a budget key
test('a typo', { meta: { budget: { cpuu: '1s' } } }, () => {})
