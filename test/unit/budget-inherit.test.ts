import { describe, expect, test } from 'vitest'
import { budgetLevels, deepMerge, effectiveBudgetRaw, mergeBudgets, type TagDefinitionLike, type TaskLike } from '../../src/budgets/inherit.js'
import { parseBudget } from '../../src/budgets/parse.js'

// ---------------------------------------------------------------------------------------------------------
// Part 1: REAL vitest task trees: the describes and tests of this very file. Their `task` objects are what
// the runner built (@vitest/runner 4.1), with its shallow meta merge and its shared references.
// ---------------------------------------------------------------------------------------------------------

const OUTER = { wall: '1s', cpu: { workers: '40ms' } }

describe('outer', { meta: { budget: OUTER } }, () => {
  test('own cpu.main: vitest keeps only the own budget, we keep the describe\'s too', { meta: { budget: { cpu: { main: '50ms' } } } }, ({ task }) => {
    // vitest's shallow merge: the test's budget replaced the describe's whole (wall and cpu.workers are gone).
    expect(task.meta.budget).toEqual({ cpu: { main: '50ms' } })
    expect(effectiveBudgetRaw(task)).toEqual({ wall: '1s', cpu: { workers: '40ms', main: '50ms' } })
  })

  test('no budget of its own: the very object of its describe', ({ task }) => {
    // The premise of recovering own budgets by identity, on the real runner.
    expect(task.meta.budget).toBe(OUTER)
    expect(task.suite!.meta.budget).toBe(OUTER)
    expect(budgetLevels(task).map((l) => l.source)).toEqual(["describe 'outer'"])
    expect(effectiveBudgetRaw(task)).toEqual(OUTER)
  })

  describe('middle, no budget', () => {
    describe('inner', { meta: { budget: { lines: { 'src/a.ts:1': '20%' } } } }, () => {
      test('three levels: lines add up, wall is replaced, cpu kept', { meta: { budget: { lines: { 'src/b.ts:2': '5ms' }, wall: '2s' } } }, ({ task }) => {
        expect(task.meta.budget).toEqual({ lines: { 'src/b.ts:2': '5ms' }, wall: '2s' })
        expect(budgetLevels(task).map((l) => l.source)).toEqual(["describe 'outer'", "describe 'inner'", "test 'three levels: lines add up, wall is replaced, cpu kept'"])
        expect(effectiveBudgetRaw(task)).toEqual({
          wall: '2s',
          cpu: { workers: '40ms' },
          lines: { 'src/a.ts:1': '20%', 'src/b.ts:2': '5ms' },
        })
      })

      test('after a structured clone (the main process): same result by structural equality', ({ task }) => {
        const cloned = cloneChain(task)
        expect(cloned.meta!).not.toBe(task.meta)
        expect((cloned.meta as { budget: unknown }).budget).not.toBe(task.meta.budget)
        expect(effectiveBudgetRaw(cloned)).toEqual(effectiveBudgetRaw(task))
        expect(effectiveBudgetRaw(cloned)).toEqual({ wall: '1s', cpu: { workers: '40ms' }, lines: { 'src/a.ts:1': '20%' } })
      })
    })
  })
})

describe('a cpu total over a cpu split', { meta: { budget: { cpu: '100ms' } } }, () => {
  test('both limits hold', { meta: { budget: { cpu: { main: '50ms' } } } }, ({ task }) => {
    expect(effectiveBudgetRaw(task)).toEqual({ cpu: { total: '100ms', main: '50ms' } })
    expect(parseBudget(effectiveBudgetRaw(task)).budget?.cpu).toEqual({ total: 100, main: 50 })
  })

  describe('a split over a total', { meta: { budget: { cpu: { workers: '10ms' } } } }, () => {
    test('a new total keeps the split above it', { meta: { budget: { cpu: '300ms' } } }, ({ task }) => {
      expect(effectiveBudgetRaw(task)).toEqual({ cpu: { total: '300ms', workers: '10ms' } })
    })
  })
})

test('top level: the plugin default under the test\'s own budget', { meta: { budget: { cpu: '5ms' } } }, ({ task }) => {
  expect(task.suite).toBeUndefined()
  expect(effectiveBudgetRaw(task, { defaults: { wall: '10s', cpu: '1s', strict: true } })).toEqual({ wall: '10s', cpu: '5ms', strict: true })
})

test('no budget anywhere', ({ task }) => {
  expect(effectiveBudgetRaw(task)).toBeUndefined()
  expect(effectiveBudgetRaw(task, { defaults: { wall: '1s' } })).toEqual({ wall: '1s' })
})

/** A copy of the task's chain with the values and none of the sharing, as a structured clone per task gives. */
function cloneChain(t: TaskLike): TaskLike {
  return {
    name: t.name,
    type: t.type,
    meta: JSON.parse(JSON.stringify(t.meta ?? {})),
    tags: t.tags ? [...t.tags] : [],
    ...(t.suite ? { suite: cloneChain(t.suite) } : {}),
  }
}

// ---------------------------------------------------------------------------------------------------------
// Part 2: task trees with TAGS, built exactly as @vitest/runner 4.1 builds them (dist/chunk-artifact.js:
// createSuite's suiteFn + initSuite, the suite collector's `test` and `task`), since this project's own
// config defines no tags. Each step below is the runner's, in its order.
// ---------------------------------------------------------------------------------------------------------

interface Opts {
  meta?: Record<string, unknown>
  tags?: string[] | string
}
interface SimSuite extends TaskLike {
  options: Opts
  tags: string[]
}
interface SimConfig {
  tags: TagDefinitionLike[]
  fileTags?: string[]
}

const unique = <T,>(a: T[]) => [...new Set(a)]
const toArray = <T,>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])

function simFile(config: SimConfig): SimSuite {
  return { name: 'file.test.ts', type: 'suite', meta: Object.create(null), options: {}, tags: config.fileTags ?? [] }
}

/** describe(name, options): suiteFn, then initSuite. `parent` undefined = at the file's top level. */
function simDescribe(file: SimSuite, parent: SimSuite | undefined, name: string, own: Opts = {}): SimSuite {
  // suiteFn: `const { meta: parentMeta, ...parentOptions } = currentSuite?.options` (the default suite's
  // options at top level: no meta), then `options.meta = Object.assign(Object.create(null), parentMeta, options.meta)`.
  const { meta: parentMeta, ...parentOptions } = parent?.options ?? {}
  const options: Opts = { ...parentOptions, ...own }
  if (parentMeta) options.meta = Object.assign(Object.create(null), parentMeta, options.meta)
  // initSuite: `meta: suiteOptions?.meta ?? Object.create(null)`, tags from the parent task (or file).
  const parentTask = parent ?? file
  return {
    name,
    type: 'suite',
    suite: parent,
    file,
    options,
    meta: options.meta ?? Object.create(null),
    tags: unique([...(parentTask.tags || []), ...toArray(own.tags)]),
  }
}

/** test(name, options) inside `parent` (undefined = top level, the default suite). */
function simTest(config: SimConfig, file: SimSuite, parent: SimSuite | undefined, name: string, own: Opts = {}): TaskLike {
  // The collector's `test`: `options = Object.assign({}, suiteOptions, options)`.
  let options: Opts = Object.assign({}, parent?.options ?? {}, own)
  // `task`: tags, the tag definitions sorted by priority and assigned, then the meta assigns.
  const parentTask = parent ?? file
  const testTags = unique([...(parentTask.tags || []), ...toArray(options.tags)])
  const tagsOptions = testTags
    .map((tag) => config.tags.find((t) => t.name === tag))
    .filter((r): r is TagDefinitionLike => r != null)
    .sort((tag1, tag2) => (tag2.priority ?? Number.POSITIVE_INFINITY) - (tag1.priority ?? Number.POSITIVE_INFINITY))
    .reduce<{ meta?: Record<string, unknown> }>((acc, tag) => {
      const { name: _n, priority: _p, meta, ...rest } = tag
      Object.assign(acc, rest)
      if (meta) acc.meta = Object.assign(acc.meta ?? Object.create(null), meta)
      return acc
    }, {})
  const testOwnMeta = options.meta
  options = { ...tagsOptions, ...options }
  const parentMeta = parent?.meta
  const tagMeta = tagsOptions.meta
  const testMeta = Object.create(null)
  if (tagMeta) Object.assign(testMeta, tagMeta)
  if (parentMeta) Object.assign(testMeta, parentMeta)
  if (testOwnMeta) Object.assign(testMeta, testOwnMeta)
  return { name, type: 'test', suite: parent, file, meta: testMeta, tags: testTags }
}

const budgetOf = (t: TaskLike) => (t.meta as { budget?: unknown }).budget

describe('tags (vitest 4.1 tag definitions)', () => {
  const SLOW = { wall: '5s', cpu: '1s' }
  const HEAVY = { cpu: { workers: '500ms' }, wall: '3s' }
  const NOPRIO = { minSamples: 5, wall: '10s' }
  const config: SimConfig = {
    tags: [
      { name: 'slow', priority: 2, meta: { budget: SLOW } },
      { name: 'heavy', priority: 1, meta: { budget: HEAVY } },
      { name: 'noprio', meta: { budget: NOPRIO } },
      { name: 'plain', priority: 0 },
    ],
  }
  const file = simFile(config)

  test('vitest keeps one tag budget whole (the highest priority); we merge them all in its order', () => {
    const t = simTest(config, file, undefined, 't', { tags: ['slow', 'heavy', 'noprio', 'plain'] })
    expect(budgetOf(t)).toBe(HEAVY)
    expect(budgetLevels(t, config).map((l) => l.source)).toEqual(["tag 'noprio'", "tag 'slow'", "tag 'heavy'"])
    expect(effectiveBudgetRaw(t, config)).toEqual({ minSamples: 5, wall: '3s', cpu: { total: '1s', workers: '500ms' } })
  })

  test('the order of the tags on the test does not matter, their priorities do', () => {
    const a = simTest(config, file, undefined, 'a', { tags: ['heavy', 'noprio', 'slow'] })
    const b = simTest(config, file, undefined, 'b', { tags: ['noprio', 'slow', 'heavy'] })
    expect(effectiveBudgetRaw(a, config)).toEqual(effectiveBudgetRaw(b, config))
  })

  test('tags without priority: the later one on the test wins (stable order, as vitest)', () => {
    const cfg: SimConfig = { tags: [{ name: 'x', meta: { budget: { wall: '1s' } } }, { name: 'y', meta: { budget: { wall: '2s' } } }] }
    const xy = simTest(cfg, simFile(cfg), undefined, 'xy', { tags: ['x', 'y'] })
    const yx = simTest(cfg, simFile(cfg), undefined, 'yx', { tags: ['y', 'x'] })
    expect(budgetOf(xy)).toEqual({ wall: '2s' })
    expect(effectiveBudgetRaw(xy, cfg)).toEqual({ wall: '2s' })
    expect(budgetOf(yx)).toEqual({ wall: '1s' })
    expect(effectiveBudgetRaw(yx, cfg)).toEqual({ wall: '1s' })
  })

  test("a describe's budget beats the tags, and vitest's shallow merge drops every tag budget for it", () => {
    const d = simDescribe(file, undefined, 'strict group', { meta: { budget: { strict: true, wall: '4s' } } })
    const t = simTest(config, file, d, 't', { tags: ['slow', 'heavy', 'noprio'] })
    expect(budgetOf(t)).toEqual({ strict: true, wall: '4s' })
    expect(effectiveBudgetRaw(t, config)).toEqual({ minSamples: 5, wall: '4s', cpu: { total: '1s', workers: '500ms' }, strict: true })
  })

  test("a describe's tags reach its tests; default < tags < describes < test", () => {
    const outer = simDescribe(file, undefined, 'outer', { tags: ['slow'], meta: { budget: { functions: { parseRow: '30ms' } } } })
    const inner = simDescribe(file, outer, 'inner', { meta: { budget: { functions: { lexer: '10%' }, wall: '6s' } } })
    const t = simTest(config, file, inner, 't', { meta: { budget: { wall: '7s' } } })
    expect(t.tags).toEqual(['slow'])
    expect(budgetOf(t)).toEqual({ wall: '7s' })
    expect(budgetLevels(t, { ...config, defaults: { strict: true } }).map((l) => l.source)).toEqual([
      "the plugin's budget option",
      "tag 'slow'",
      "describe 'outer'",
      "describe 'inner'",
      "test 't'",
    ])
    expect(effectiveBudgetRaw(t, { ...config, defaults: { strict: true, wall: '1s' } })).toEqual({
      strict: true,
      wall: '7s',
      cpu: '1s',
      functions: { parseRow: '30ms', lexer: '10%' },
    })
  })

  test('file tags count like the test\'s own', () => {
    const cfg: SimConfig = { ...config, fileTags: ['heavy'] }
    const f = simFile(cfg)
    const t = simTest(cfg, f, simDescribe(f, undefined, 'd'), 't')
    expect(t.tags).toEqual(['heavy'])
    expect(effectiveBudgetRaw(t, cfg)).toEqual(HEAVY)
  })

  test('a test with no budget of its own and no describe budget: its meta holds the winning tag\'s object', () => {
    const t = simTest(config, file, simDescribe(file, undefined, 'd'), 't', { tags: ['slow', 'heavy'] })
    expect(budgetOf(t)).toBe(HEAVY)
    expect(budgetLevels(t, config).map((l) => l.source)).toEqual(["tag 'slow'", "tag 'heavy'"])
  })

  test('without the tag definitions, the tag budget vitest put in meta still applies (as the test\'s own)', () => {
    const t = simTest(config, file, undefined, 't', { tags: ['heavy'] })
    expect(budgetLevels(t).map((l) => l.source)).toEqual(["test 't'"])
    expect(effectiveBudgetRaw(t)).toEqual(HEAVY)
  })

  test('unknown tags and tags without meta are skipped', () => {
    const t = simTest(config, file, undefined, 't', { tags: ['plain', 'nope'] })
    expect(effectiveBudgetRaw(t, config)).toBeUndefined()
  })

  test("a test that declares exactly its describe's budget: same result either way", () => {
    const d = simDescribe(file, undefined, 'd', { meta: { budget: { wall: '1s' } } })
    const t = simTest(config, file, d, 't', { meta: { budget: { wall: '1s' } } })
    expect(effectiveBudgetRaw(t, config)).toEqual({ wall: '1s' })
  })
})

describe('deepMerge', () => {
  test('plain objects key by key, recursively; anything else replaces', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { c: [3], e: 2 }, d: { f: 1 } })).toEqual({ a: { b: 1, c: [3], e: 2 }, d: { f: 1 } })
    expect(deepMerge({ a: 1 }, 'str')).toBe('str')
    expect(deepMerge({ a: 1 }, null)).toBeNull()
    expect(deepMerge({ a: { b: 1 } }, { a: null })).toEqual({ a: null })
  })

  test('undefined in over keeps base', () => {
    expect(deepMerge({ wall: '1s' }, { wall: undefined })).toEqual({ wall: '1s' })
    expect(deepMerge({ wall: '1s' }, undefined)).toEqual({ wall: '1s' })
  })

  test('never mutates its inputs', () => {
    const base = { lines: { 'a.ts:1': '1ms' } }
    const over = { lines: { 'b.ts:2': '2ms' } }
    const merged = deepMerge(base, over)
    expect(base).toEqual({ lines: { 'a.ts:1': '1ms' } })
    expect(over).toEqual({ lines: { 'b.ts:2': '2ms' } })
    expect(merged).toEqual({ lines: { 'a.ts:1': '1ms', 'b.ts:2': '2ms' } })
  })

  test("null-prototype objects (vitest's meta) merge like {}", () => {
    const base = Object.assign(Object.create(null), { wall: '1s' })
    expect(deepMerge(base, { cpu: '2ms' })).toEqual({ wall: '1s', cpu: '2ms' })
  })

  test('a __proto__ key stays a key', () => {
    const merged = deepMerge({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype)
    expect(Object.keys(merged)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(parseBudget(merged).errors.map((e) => e.key)).toEqual(['budget.__proto__'])
  })
})

describe('mergeBudgets', () => {
  test('an invalid level is kept, so its error reaches the tests under it', () => {
    const merged = mergeBudgets('100ms', { wall: '1s' })
    expect(merged).toBe('100ms')
    expect(parseBudget(merged).errors[0]!.key).toBe('budget')
    expect(mergeBudgets({ wall: '1s' }, 42)).toBe(42)
  })

  test('null and undefined are no budget', () => {
    expect(mergeBudgets({ wall: '1s' }, null)).toEqual({ wall: '1s' })
    expect(mergeBudgets(null, { wall: '1s' })).toEqual({ wall: '1s' })
    expect(mergeBudgets(undefined, undefined)).toBeUndefined()
  })

  test('cpu: scalar over scalar replaces, object over object merges, mixed keeps both', () => {
    expect(mergeBudgets({ cpu: '1s' }, { cpu: '2s' })).toEqual({ cpu: '2s' })
    expect(mergeBudgets({ cpu: { main: '1s' } }, { cpu: { workers: '2s' } })).toEqual({ cpu: { main: '1s', workers: '2s' } })
    expect(mergeBudgets({ cpu: '1s' }, { cpu: { main: '5ms' } })).toEqual({ cpu: { total: '1s', main: '5ms' } })
    expect(mergeBudgets({ cpu: { total: '1s', main: '5ms' } }, { cpu: '2s' })).toEqual({ cpu: { total: '2s', main: '5ms' } })
  })

  test('a bad cpu scalar merged with a split is still reported, under cpu.total', () => {
    const { errors } = parseBudget(mergeBudgets({ cpu: '12 parsecs' }, { cpu: { main: '5ms' } }))
    expect(errors.map((e) => [e.key, e.value])).toEqual([['budget.cpu.total', '12 parsecs']])
  })
})
