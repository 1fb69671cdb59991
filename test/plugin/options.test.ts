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
    [{ intervall: 100 }, "vitest-profiler: unknown option 'intervall'. Accepted options: enabled, outputDir, interval, flushInterval, keepRuns, summary, topLines, minSamples, expandLibraries, serializeConcurrent."],
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
