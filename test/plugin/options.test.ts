import { describe, expect, test } from 'vitest'
import { DEFAULT_OPTIONS, resolveOptions } from '../../src/plugin/options.js'
import { isProfilingOn } from '../../src/plugin/activation.js'

describe('resolveOptions', () => {
  test('defaults', () => {
    expect(resolveOptions(undefined)).toEqual(DEFAULT_OPTIONS)
    expect(DEFAULT_OPTIONS.interval).toBe(2000)
  })

  test('accepts valid values', () => {
    expect(resolveOptions({ interval: 250, outputDir: 'prof', enabled: true })).toMatchObject({ interval: 250, outputDir: 'prof', enabled: true })
  })

  test.each([
    [{ intervall: 100 }, "vitest-profiler: unknown option 'intervall'. Accepted options: enabled, outputDir, interval, flushInterval, keepRuns, summary, topLines, minSamples, expandLibraries, serializeConcurrent, budget, baseline."],
    [{ interval: 10 }, "vitest-profiler: option 'interval' must be an integer from 50 to 100000 (microseconds), got 10."],
    [{ interval: 1.5e3 + 0.5 }, "vitest-profiler: option 'interval' must be an integer from 50 to 100000 (microseconds), got 1500.5."],
    [{ enabled: 'yes' }, `vitest-profiler: option 'enabled' must be true, false or 'auto', got "yes".`],
    [{ outputDir: '' }, `vitest-profiler: option 'outputDir' must be a non-empty path string, got "".`],
    [{ keepRuns: 0 }, "vitest-profiler: option 'keepRuns' must be an integer from 1 to 1000 (runs), got 0."],
    ['fast', 'vitest-profiler: options must be an object, got "fast".'],
    [[1], 'vitest-profiler: options must be an object, got an array.'],
  ])('rejects %j', (input, message) => {
    expect(() => resolveOptions(input)).toThrow(message)
  })

  describe('budget: the default budget of every test', () => {
    test('kept as given (merged raw with the tests\' budgets later), validated', () => {
      const budget = { cpu: { main: '50ms' as const }, wall: '1.5s' as const, lines: { 'src/a.ts:3': '20%' as const } }
      expect(resolveOptions({ budget }).budget).toBe(budget)
      expect(DEFAULT_OPTIONS.budget).toBeUndefined()
      expect(resolveOptions({ budget: undefined }).budget).toBeUndefined()
      expect(resolveOptions({ budget: null }).budget).toBeUndefined()
    })

    test.each([
      [{ budget: { cpuu: '10ms' } }, "vitest-profiler: budget key 'budget.cpuu' is unknown; accepted keys in 'budget': cpu, wall, lines, functions, minSamples, strict, regression."],
      [{ budget: { cpu: { main: '12 parsecs' } } }, `vitest-profiler: budget key 'budget.cpu.main' must be a positive duration: a number of milliseconds or a string like '250ms' or '1.5s', got "12 parsecs".`],
      [{ budget: { wall: -5 } }, "vitest-profiler: budget key 'budget.wall' must be a positive duration: a number of milliseconds or a string like '250ms' or '1.5s', got -5."],
      [{ budget: '100ms' }, 'vitest-profiler: budget must be an object of limits with the keys cpu, wall, lines, functions, minSamples, strict, regression, got "100ms".'],
    ])('rejects %j', (input, message) => {
      expect(() => resolveOptions(input)).toThrow(expect.objectContaining({ name: 'ProfilerOptionsError', message }))
    })

    test('every error of the budget, one per line', () => {
      expect(() => resolveOptions({ budget: { wall: 0, strict: 'yes' } })).toThrow(
        "vitest-profiler: budget key 'budget.wall' must be a positive duration: a number of milliseconds or a string like '250ms' or '1.5s', got 0.\n" +
          'vitest-profiler: budget key \'budget.strict\' must be true or false, got "yes".',
      )
    })
  })
})

describe('isProfilingOn', () => {
  const base = { enabled: 'auto' as const, mode: 'test', argv: ['node', 'vitest', 'run'], env: {} }
  test('auto: off unless asked', () => expect(isProfilingOn(base)).toBe(false))
  test('--mode profile', () => expect(isProfilingOn({ ...base, mode: 'profile' })).toBe(true))
  test('-- --profile, only after the separator', () => {
    expect(isProfilingOn({ ...base, argv: ['node', 'vitest', 'run', '--', '--profile'] })).toBe(true)
    expect(isProfilingOn({ ...base, argv: ['node', 'vitest', 'run', '--profile'] })).toBe(false)
  })
  test.each([
    ['1', true],
    ['true', true],
    ['0', false],
    ['false', false],
    ['', false],
  ])('VITEST_PROFILE=%j', (value, expected) => {
    expect(isProfilingOn({ ...base, env: { VITEST_PROFILE: value } })).toBe(expected)
  })
  test('enabled overrides everything', () => {
    expect(isProfilingOn({ ...base, enabled: true })).toBe(true)
    expect(isProfilingOn({ ...base, enabled: false, mode: 'profile' })).toBe(false)
  })
})
