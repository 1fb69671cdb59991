/**
 * The bin's `--profiler.*` flags, how they meet the config's options, a watch re-run's re-instrumentation of a
 * project config, and the watcher's ignore pattern for our output dir. The bin itself: test/integration/bin-cli.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { CLI_OPTIONS, takeProfilerFlags, withCliOptions } from '../../src/plugin/cli-flags.js'
import { instrumentConfig, type InjectableConfig } from '../../src/plugin/inject.js'
import { ignoreOutputDir } from '../../src/plugin/watch-ignore.js'
import { normalizeFilter } from '../../src/plugin/vitest-cli.js'
import type { Run } from '../../src/plugin/run-dir.js'

describe('takeProfilerFlags', () => {
  test('every spelling, out of argv; the rest untouched, and nothing after --', () => {
    const argv = ['run', '--profiler.interval', '1000', 'src/a', '--profiler.output-dir=perf', '--no-profiler.summary', '--profiler.expandLibraries', '-t', 'x', '--profiler.serializeConcurrent', 'false', '--', '--profiler.keepRuns=2']
    expect(takeProfilerFlags(argv)).toEqual({
      rest: ['run', 'src/a', '-t', 'x', '--', '--profiler.keepRuns=2'],
      options: { interval: 1000, outputDir: 'perf', summary: false, expandLibraries: true, serializeConcurrent: false },
    })
  })

  test('a bare switch before a filter does not take the filter', () => {
    expect(takeProfilerFlags(['--profiler.summary', 'src/a'])).toEqual({ rest: ['src/a'], options: { summary: true } })
  })

  test.each([
    [['--profiler.keepRuns=0'], 'vitest-profile: --profiler.keepRuns must be an integer from 1 to 1000 (runs), got 0.'],
    [['--profiler.topLines', '--reporter=json'], 'vitest-profile: --profiler.topLines takes a value: an integer from 1 to 200 (lines).'],
    [['--no-profiler.summary=true'], 'vitest-profile: --no-profiler.summary takes no value, got "true".'],
    [['--profiler.enabled=false'], expect.stringMatching(/^vitest-profile: unknown flag --profiler\.enabled\. Accepted: /)],
  ])('%j: %s', (argv, error) => {
    expect(takeProfilerFlags(argv)).toEqual({ error })
  })
})

describe('withCliOptions', () => {
  afterEach(() => {
    delete (globalThis as Record<symbol, unknown>)[CLI_OPTIONS]
  })

  test("the flags win over the config's options; without flags the options pass as they are", () => {
    const options = { interval: 500, topLines: 3 }
    expect(withCliOptions(options)).toBe(options)
    ;(globalThis as Record<symbol, unknown>)[CLI_OPTIONS] = { interval: 1000 }
    expect(withCliOptions(options)).toEqual({ interval: 1000, topLines: 3 })
    expect(withCliOptions(undefined)).toEqual({ interval: 1000 })
    // A malformed options value keeps its own error.
    expect(withCliOptions('fast' as never)).toBe('fast')
  })
})

describe('instrumentConfig across watch re-runs', () => {
  const run = (id: string) => ({ runId: id, setupPath: `/o/bootstrap/${id}.setup.mjs`, bootstrapPath: `/o/bootstrap/${id}.cjs` }) as Run

  test("a new run replaces the last one's bootstrap, and keeps the user's entries", () => {
    const config: InjectableConfig = { setupFiles: ['/u/setup.ts'], execArgv: ['--require', '/u/pre.cjs'] }
    instrumentConfig(config, run('r1'))
    instrumentConfig(config, run('r1'))
    expect(config.execArgv).toEqual(['--require', '/u/pre.cjs', '--require', '/o/bootstrap/r1.cjs'])
    // A watch re-run keeps the session's stub (run-dir.ts createRun): one entry, still first.
    instrumentConfig(config, { ...run('r2'), setupPath: '/o/bootstrap/r1.setup.mjs' })
    expect(config.setupFiles).toEqual(['/o/bootstrap/r1.setup.mjs', '/u/setup.ts'])
    expect(config.execArgv).toEqual(['--require', '/u/pre.cjs', '--require', '/o/bootstrap/r2.cjs'])
  })
})

describe('ignoreOutputDir', () => {
  test.each([
    ['.vitest-profile', '**/.vitest-profile/**'],
    ['out/prof/', '**/out/prof/**'],
    ['/abs/prof', '/abs/prof'],
    ['../prof', '/root/prof'],
  ])('%s → %s', (dir, pattern) => {
    expect(ignoreOutputDir({ root: '/root/app' }, dir)).toEqual({ server: { watch: { ignored: [pattern] } } })
  })

  test('nothing when the watcher is off, or when the output dir is the root itself', () => {
    expect(ignoreOutputDir({ server: { watch: null } }, '.vitest-profile')).toBeUndefined()
    expect(ignoreOutputDir({}, '.')).toBeUndefined()
  })
})

test('normalizeFilter: as pathe normalizes the filters vitest passes on', () => {
  expect(['./a.test.ts', 'a/../b', 'src/', 'a.test.ts:3', 'C:\\x\\y'].map(normalizeFilter)).toEqual(['a.test.ts', 'b', 'src/', 'a.test.ts:3', 'C:/x/y'])
})
