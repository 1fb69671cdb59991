import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { checkLineExists, formatMs, parseBudget, parseDuration, parseLineKey, parseShare } from '../../src/budgets/parse.js'
import { lineCount } from '../../src/budgets/source-lines.js'

const DURATION = "a positive duration: a number of milliseconds or a string like '250ms' or '1.5s'"
const LIMIT = `${DURATION}, or a share of the test's CPU above 0% and at most 100% like '20%'`
const CPU = `${DURATION}, or an object { total?, main?, workers? } of such durations`
const LINE_KEY = "a source line 'path:line' (path relative to the project root, line a positive integer) like 'src/parse.ts:42'"

/** The one error of a budget that has exactly one. */
function onlyError(raw: unknown) {
  const { budget, errors } = parseBudget(raw)
  expect(budget).toBeNull()
  expect(errors).toHaveLength(1)
  return errors[0]!
}

describe('parseDuration', () => {
  test.each([
    [250, 250],
    [0.5, 0.5],
    ['250ms', 250],
    ['1.5s', 1500],
    ['2s', 2000],
    ['.5s', 500],
    ['0.25ms', 0.25],
    // What the template type `${number}ms` also accepts (TypeScript reads the head with `+s`).
    ['250 ms', 250],
    ['1e3ms', 1000],
  ])('%j → %d ms', (input, ms) => expect(parseDuration(input)).toBe(ms))

  test.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, '-5ms', '0ms', '0s', '12 parsecs', '250', 'ms', 's', '', '250MS', '1.5 sec', 'Infinityms', '20%', true, null, undefined, {}, [250]])(
    'rejects %j',
    (input) => expect(parseDuration(input)).toBeNull(),
  )
})

describe('parseShare', () => {
  test.each([
    ['20%', 0.2],
    ['100%', 1],
    ['0.5%', 0.005],
  ])('%j → %d', (input, share) => expect(parseShare(input)).toBeCloseTo(share, 12))
  test.each(['0%', '-5%', '100.5%', '150%', '%', '20', 20, 'abc%'])('rejects %j', (input) => expect(parseShare(input)).toBeNull())
})

describe('parseLineKey', () => {
  test.each([
    ['src/parse.ts:42', { file: 'src/parse.ts', line: 42 }],
    ['./src/parse.ts:1', { file: 'src/parse.ts', line: 1 }],
    ['src\\win\\a.ts:7', { file: 'src/win/a.ts', line: 7 }],
    ['weird:name.ts:3', { file: 'weird:name.ts', line: 3 }],
    ['../shared/x.ts:9', { file: '../shared/x.ts', line: 9 }],
  ])('%j', (key, expected) => expect(parseLineKey(key)).toEqual(expected))
  test.each(['src/parse.ts', 'src/parse.ts:0', 'src/parse.ts:-1', 'src/parse.ts:4.2', 'src/parse.ts:', ':42', ' :42', 'src/parse.ts:042', '/abs/a.ts:3', 'C:/a.ts:3', 'src/a.ts:1e3'])(
    'rejects %j',
    (key) => expect(parseLineKey(key)).toBeNull(),
  )
})

describe('formatMs', () => {
  test.each([
    [250, '250 ms'],
    [12, '12.0 ms'],
    [1.5, '1.50 ms'],
    [0.25, '0.250 ms'],
    [99.96, '100 ms'],
    [999.4, '999 ms'],
    [999.6, '1.00 s'],
    [1500, '1.50 s'],
    [12_345, '12.3 s'],
    [123_456, '123 s'],
    [1_234_567, '1235 s'],
    [0, '0 ms'],
  ])('%d → %j', (ms, text) => expect(formatMs(ms)).toBe(text))
})

describe('parseBudget: accepted forms', () => {
  test('null and undefined: no budget, no errors', () => {
    expect(parseBudget(undefined)).toEqual({ budget: null, errors: [] })
    expect(parseBudget(null)).toEqual({ budget: null, errors: [] })
  })

  test('regression: a share, over 100% allowed', () => {
    expect(parseBudget({ regression: '25%' }).budget?.regression).toBe(0.25)
    expect(parseBudget({ regression: '150%' }).budget?.regression).toBe(1.5)
  })

  test('an empty budget is a budget with no limits', () => {
    expect(parseBudget({})).toEqual({ budget: { lines: [], functions: [], strict: false }, errors: [] })
  })

  test('every key, normalized to ms and 0..1 shares', () => {
    const { budget, errors } = parseBudget({
      cpu: '100ms',
      wall: '1.5s',
      lines: { 'src/parse.ts:42': '20%', './src/io.ts:7': 30 },
      functions: { parseRow: '30ms', 'Parser.next': '5%' },
      minSamples: 50,
      strict: true,
    })
    expect(errors).toEqual([])
    expect(budget).toEqual({
      cpu: { total: 100 },
      wall: 1500,
      lines: [
        { key: 'src/parse.ts:42', file: 'src/parse.ts', line: 42, limit: { kind: 'share', share: 0.2 } },
        { key: './src/io.ts:7', file: 'src/io.ts', line: 7, limit: { kind: 'ms', ms: 30 } },
      ],
      functions: [
        { name: 'parseRow', limit: { kind: 'ms', ms: 30 } },
        { name: 'Parser.next', limit: { kind: 'share', share: 0.05 } },
      ],
      minSamples: 50,
      strict: true,
    })
  })

  test('cpu split, and the spelled-out total', () => {
    expect(parseBudget({ cpu: { main: '50ms', workers: 2000 } }).budget?.cpu).toEqual({ main: 50, workers: 2000 })
    expect(parseBudget({ cpu: { total: '1s', main: '0.5s' } }).budget?.cpu).toEqual({ total: 1000, main: 500 })
    expect(parseBudget({ cpu: {} }).budget).toEqual({ lines: [], functions: [], strict: false })
  })

  test('explicit undefined is an absent key', () => {
    expect(parseBudget({ wall: undefined, cpu: { main: undefined }, lines: { 'a.ts:1': undefined } })).toEqual({
      budget: { lines: [], functions: [], strict: false },
      errors: [],
    })
  })

  test("vitest's null-prototype meta objects are plain objects", () => {
    const raw = Object.assign(Object.create(null), { wall: 10 })
    expect(parseBudget(raw).budget?.wall).toBe(10)
  })
})

describe('parseBudget: bad input, exact messages', () => {
  test.each<[string, unknown, string, unknown, string]>([
    ['a typo at the top', { cpuu: '10ms' }, 'budget.cpuu', '10ms', "vitest-profiler: budget key 'budget.cpuu' is unknown; accepted keys in 'budget': cpu, wall, lines, functions, minSamples, strict, regression."],
    ['a regression as a number', { regression: 0.25 }, 'budget.regression', 0.25, "vitest-profiler: budget key 'budget.regression' must be a share above 0% like '25%' (how far over its baseline the test's CPU may go; over 100% is allowed), got 0.25."],
    ['a regression of 0%', { regression: '0%' }, 'budget.regression', '0%', "vitest-profiler: budget key 'budget.regression' must be a share above 0% like '25%' (how far over its baseline the test's CPU may go; over 100% is allowed), got \"0%\"."],
    ['a typo in cpu', { cpu: { mian: '10ms' } }, 'budget.cpu.mian', '10ms', "vitest-profiler: budget key 'budget.cpu.mian' is unknown; accepted keys in 'budget.cpu': total, main, workers."],
    ['12 parsecs', { wall: '12 parsecs' }, 'budget.wall', '12 parsecs', `vitest-profiler: budget key 'budget.wall' must be ${DURATION}, got "12 parsecs".`],
    ['-5ms', { wall: '-5ms' }, 'budget.wall', '-5ms', `vitest-profiler: budget key 'budget.wall' must be ${DURATION}, got "-5ms".`],
    ['0', { wall: 0 }, 'budget.wall', 0, `vitest-profiler: budget key 'budget.wall' must be ${DURATION}, got 0.`],
    ['a negative number', { wall: -5 }, 'budget.wall', -5, `vitest-profiler: budget key 'budget.wall' must be ${DURATION}, got -5.`],
    ['NaN', { wall: Number.NaN }, 'budget.wall', Number.NaN, `vitest-profiler: budget key 'budget.wall' must be ${DURATION}, got NaN.`],
    ['Infinity', { wall: Number.POSITIVE_INFINITY }, 'budget.wall', Number.POSITIVE_INFINITY, `vitest-profiler: budget key 'budget.wall' must be ${DURATION}, got Infinity.`],
    ['a share for wall', { wall: '20%' }, 'budget.wall', '20%', `vitest-profiler: budget key 'budget.wall' must be ${DURATION}, got "20%".`],
    ['a bad cpu scalar', { cpu: '12 parsecs' }, 'budget.cpu', '12 parsecs', `vitest-profiler: budget key 'budget.cpu' must be ${CPU}, got "12 parsecs".`],
    ['an array for cpu', { cpu: [1] }, 'budget.cpu', [1], `vitest-profiler: budget key 'budget.cpu' must be ${CPU}, got an array.`],
    ['a bad cpu.main', { cpu: { main: '-5ms' } }, 'budget.cpu.main', '-5ms', `vitest-profiler: budget key 'budget.cpu.main' must be ${DURATION}, got "-5ms".`],
    ['a share over 100%', { lines: { 'src/a.ts:3': '150%' } }, 'budget.lines["src/a.ts:3"]', '150%', `vitest-profiler: budget key 'budget.lines["src/a.ts:3"]' must be ${LIMIT}, got "150%".`],
    ['a share of 0%', { functions: { parseRow: '0%' } }, 'budget.functions.parseRow', '0%', `vitest-profiler: budget key 'budget.functions.parseRow' must be ${LIMIT}, got "0%".`],
    ['a negative share', { functions: { parseRow: '-5%' } }, 'budget.functions.parseRow', '-5%', `vitest-profiler: budget key 'budget.functions.parseRow' must be ${LIMIT}, got "-5%".`],
    ['a line key without a line', { lines: { 'src/a.ts': '5ms' } }, 'budget.lines["src/a.ts"]', 'src/a.ts', `vitest-profiler: budget key 'budget.lines["src/a.ts"]' must be ${LINE_KEY}, got "src/a.ts".`],
    ['a line 0', { lines: { 'src/a.ts:0': '5ms' } }, 'budget.lines["src/a.ts:0"]', 'src/a.ts:0', `vitest-profiler: budget key 'budget.lines["src/a.ts:0"]' must be ${LINE_KEY}, got "src/a.ts:0".`],
    ['a fractional line', { lines: { 'src/a.ts:4.5': '5ms' } }, 'budget.lines["src/a.ts:4.5"]', 'src/a.ts:4.5', `vitest-profiler: budget key 'budget.lines["src/a.ts:4.5"]' must be ${LINE_KEY}, got "src/a.ts:4.5".`],
    ['an absolute path', { lines: { '/src/a.ts:4': '5ms' } }, 'budget.lines["/src/a.ts:4"]', '/src/a.ts:4', `vitest-profiler: budget key 'budget.lines["/src/a.ts:4"]' must be ${LINE_KEY}, got "/src/a.ts:4".`],
    ['lines not an object', { lines: 'src/a.ts:3' }, 'budget.lines', 'src/a.ts:3', `vitest-profiler: budget key 'budget.lines' must be an object mapping source lines 'path:line' to a duration or a share, like { 'src/parse.ts:42': '20%' }, got "src/a.ts:3".`],
    ['functions an array', { functions: ['parseRow'] }, 'budget.functions', ['parseRow'], "vitest-profiler: budget key 'budget.functions' must be an object mapping function names to a duration or a share, like { parseRow: '30ms' }, got an array."],
    ['an empty function name', { functions: { '': '5ms' } }, 'budget.functions[""]', '', 'vitest-profiler: budget key \'budget.functions[""]\' must be a non-empty function name, got "".'],
    ['minSamples 0', { minSamples: 0 }, 'budget.minSamples', 0, "vitest-profiler: budget key 'budget.minSamples' must be a positive integer (samples), got 0."],
    ['minSamples 2.5', { minSamples: 2.5 }, 'budget.minSamples', 2.5, "vitest-profiler: budget key 'budget.minSamples' must be a positive integer (samples), got 2.5."],
    ['minSamples as a string', { minSamples: '20' }, 'budget.minSamples', '20', 'vitest-profiler: budget key \'budget.minSamples\' must be a positive integer (samples), got "20".'],
    ['strict as a string', { strict: 'yes' }, 'budget.strict', 'yes', 'vitest-profiler: budget key \'budget.strict\' must be true or false, got "yes".'],
    ['not an object', '100ms', 'budget', '100ms', 'vitest-profiler: budget must be an object of limits with the keys cpu, wall, lines, functions, minSamples, strict, regression, got "100ms".'],
    ['an array', [{ wall: 5 }], 'budget', [{ wall: 5 }], 'vitest-profiler: budget must be an object of limits with the keys cpu, wall, lines, functions, minSamples, strict, regression, got an array.'],
    ['a number', 5, 'budget', 5, 'vitest-profiler: budget must be an object of limits with the keys cpu, wall, lines, functions, minSamples, strict, regression, got 5.'],
  ])('%s', (_, raw, key, value, message) => {
    const error = onlyError(raw)
    expect(error.key).toBe(key)
    expect(error.value).toEqual(value)
    expect(error.message).toBe(message)
    expect(error.message.startsWith('vitest-profiler: budget')).toBe(true)
    // One sentence: ends with its only full stop outside quoted values.
    expect(error.message.endsWith('.')).toBe(true)
  })

  test('every error of a budget is reported, in key order, and the budget is null', () => {
    const { budget, errors } = parseBudget({ wall: 'soon', cpuu: 1, cpu: { main: 0, workerz: 3 }, strict: 1 })
    expect(budget).toBeNull()
    expect(errors.map((e) => e.key)).toEqual(['budget.wall', 'budget.cpuu', 'budget.cpu.main', 'budget.cpu.workerz', 'budget.strict'])
  })

  test('a key named __proto__ is an unknown key, not a prototype', () => {
    const raw = JSON.parse('{"__proto__": {"wall": 5}}')
    expect(onlyError(raw).key).toBe('budget.__proto__')
  })
})

describe('checkLineExists', () => {
  const root = mkdtempSync(join(tmpdir(), 'vp-budget-lines-'))
  mkdirSync(join(root, 'src'))
  writeFileSync(join(root, 'src', 'three.ts'), 'a\nb\nc\n')
  writeFileSync(join(root, 'src', 'crlf.ts'), 'a\r\nb')
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  const TAIL = `; accepted: ${LINE_KEY} naming a line of an existing file.`

  test('an existing line', () => {
    expect(checkLineExists('src/three.ts:1', root)).toBeNull()
    expect(checkLineExists('src/three.ts:3', root)).toBeNull()
    expect(checkLineExists('./src/crlf.ts:2', root)).toBeNull()
  })

  test('past the end: the final newline starts no fourth line', () => {
    expect(checkLineExists('src/three.ts:4', root)).toBe(`vitest-profiler: budget line 'src/three.ts:4' is past the end of src/three.ts, which has 3 lines${TAIL}`)
  })

  test('a missing file', () => {
    expect(checkLineExists('src/nope.ts:1', root)).toBe(`vitest-profiler: budget line 'src/nope.ts:1' names ${join(root, 'src', 'nope.ts')}, which does not exist${TAIL}`)
  })

  test('a directory', () => {
    expect(checkLineExists('src:1', root)).toBe(`vitest-profiler: budget line 'src:1' names ${join(root, 'src')}, which is not a file${TAIL}`)
  })

  test('a malformed key', () => {
    expect(checkLineExists('src/three.ts', root)).toBe(`vitest-profiler: budget line 'src/three.ts' is not ${LINE_KEY}.`)
  })

  test.each([
    ['', 0],
    ['a', 1],
    ['a\n', 1],
    ['a\nb', 2],
    ['a\r\nb\r\n', 2],
    ['\n\n', 2],
  ])('lineCount(%j) = %d', (text, n) => expect(lineCount(text)).toBe(n))
})
