// Compile-time checks of the budget schema (tsc only, never run: vitest's include is *.test.ts).
// Each `@ts-expect-error` must meet an error; an unused one fails tsc (TS2578), so these cannot pass vacuously.
import { describe, test, type RunnerTestCase } from 'vitest'
import { defineConfig, type TestTagDefinition } from 'vitest/config'
import type { Budget, CpuBudget, Duration, Share } from '../../src/budgets/types.js'
import type { ProfilerOptions } from '../../src/plugin/options.js'
import { effectiveBudgetRaw } from '../../src/budgets/inherit.js'

// Valid budgets, in test and describe options (meta is Partial<TaskMeta>, augmented by types.ts).
test('every key', { meta: { budget: { cpu: '100ms', wall: '1.5s', lines: { 'src/parse.ts:42': '20%', 'src/io.ts:7': 30 }, functions: { parseRow: '30ms', lexer: '5%' }, minSamples: 50, strict: true } } }, () => {})
test('cpu split', { meta: { budget: { cpu: { main: '50ms', workers: 200 } } } }, () => {})
test('cpu total spelled out', { meta: { budget: { cpu: { total: '1s', main: '0.5s' } } } }, () => {})
test('numbers are milliseconds', { meta: { budget: { cpu: 250, wall: 1000 } } }, () => {})
// The template type `${number}ms` takes what `+s` reads as a number: a space before the unit compiles (and
// parse.ts accepts it too, so compile time and run time agree).
test('a space before the unit', { meta: { budget: { wall: '250 ms' } } }, () => {})
describe('a describe', { meta: { budget: { wall: '2s', cpu: { workers: '40ms' } } } }, () => {
  test('inside', () => {})
})
describe('a describe with other meta', { meta: { budget: { strict: false } }, concurrent: true }, () => {})
test('the task meta is typed too', ({ task }) => {
  const b: Budget | undefined = task.meta.budget
  task.meta.budget = { wall: '1s' }
  // @ts-expect-error: the augmentation types meta.budget, so a bad value is an error here as well
  task.meta.budget = { wall: 'soon' }
  void b
})

// Typo'd key.
// @ts-expect-error: 'cpuu' is not a budget key
test('typo', { meta: { budget: { cpuu: '100ms' } } }, () => {})
// @ts-expect-error: 'mian' is not a cpu key
describe('typo in cpu', { meta: { budget: { cpu: { mian: '100ms' } } } }, () => {})

// Wrong unit.
// @ts-expect-error: parsecs are no duration
test('unit', { meta: { budget: { wall: '12 parsecs' } } }, () => {})
// @ts-expect-error: units are lowercase
test('unit case', { meta: { budget: { cpu: '1S' } } }, () => {})
// @ts-expect-error: a number without a unit is a number, not a string
test('bare string', { meta: { budget: { wall: '250' } } }, () => {})

// A share where only a duration is allowed.
// @ts-expect-error: wall is a duration, not a share
test('share for wall', { meta: { budget: { wall: '20%' } } }, () => {})
// @ts-expect-error: cpu is a duration, not a share
test('share for cpu', { meta: { budget: { cpu: '20%' } } }, () => {})
// @ts-expect-error: cpu.main is a duration, not a share
test('share for cpu.main', { meta: { budget: { cpu: { main: '20%' } } } }, () => {})

// Wrong types.
// @ts-expect-error: strict is a boolean
test('strict', { meta: { budget: { strict: 'yes' } } }, () => {})
// @ts-expect-error: minSamples is a number
test('minSamples', { meta: { budget: { minSamples: '20' } } }, () => {})
// @ts-expect-error: a line limit is a duration or a share
test('line limit', { meta: { budget: { lines: { 'src/a.ts:1': true } } } }, () => {})
// @ts-expect-error: a budget is an object
describe('not an object', { meta: { budget: '100ms' } }, () => {})

// The exported building blocks.
const d: Duration[] = [1, '1ms', '1.5s']
const s: Share = '20%'
// @ts-expect-error: a share is not a duration
const notDuration: Duration = '20%'
// @ts-expect-error: a duration is not a share
const notShare: Share = '20ms'
const split: CpuBudget = { main: '1ms' }
void [d, s, notDuration, notShare, split]

// Tag definitions (vitest 4.1 config `tags`) carry budgets in their meta, typed the same way.
defineConfig({ test: { tags: [{ name: 'slow', priority: 1, meta: { budget: { wall: '5s' } } }] } })
// @ts-expect-error: a typo in a tag's budget
defineConfig({ test: { tags: [{ name: 'slow', meta: { budget: { wal: '5s' } } }] } })

// The plugin's `budget` option.
const opts: ProfilerOptions = { budget: { cpu: '1s', lines: { 'src/a.ts:3': '10%' } } }
// @ts-expect-error: the option is a Budget
const badOpts: ProfilerOptions = { budget: { wall: '20%' } }
void [opts, badOpts]

// inherit.ts takes vitest's own task and tag definition types as they are.
declare const realTest: RunnerTestCase
declare const realTags: TestTagDefinition[]
effectiveBudgetRaw(realTest, { tags: realTags, defaults: opts.budget })
