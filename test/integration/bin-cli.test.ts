/**
 * The bin's command line (issue #10.14): vitest's unknown flags rejected as `vitest` rejects them (vitest 4 too,
 * where this failed before: exit 0), vitest's own flags untouched, our options as `--profiler.<option>` flags
 * (validated like the options, over the config's), `--help` and `--version` with ours, and a bad option (a
 * flag, or the plugin's option in the config) as one clear line with no stack, exit 1.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import { readRun } from '../../src/spool/reader.js'
import { runFixture, type FixtureRun } from '../helpers/run-fixture.js'

const TIMEOUT = 200_000
// Its own fixture: runFixture clears a fixture's .vitest-profile, and other test files run beside this one.
const FIXTURE = 'bin-cli'
/** A stack frame line, as Node prints them. */
const STACK = /^\s+at .+[:(]\d+/m
const interval = (r: FixtureRun) => r.run?.manifest.config.intervalUs

describe('vitest-profile: vitest flags', () => {
  test.each([[['run', '--bogus-flag']], [['--bogus-flag']], [['run', '--no-bogus-flag', 'work']]])(
    'an unknown flag stops the run in one line, exit 1: %j',
    async (args) => {
      const r = await runFixture(FIXTURE, { args })
      expect(r.code, r.output).toBe(1)
      expect(r.output.trim()).toBe("vitest-profile: Unknown option `--bogusFlag` (vitest's own flags and ours: vitest-profile --help)")
      expect(r.runDir, 'nothing ran').toBeNull()
    },
    TIMEOUT,
  )

  test('vitest flags pass: a filter, -t, --no-isolate, --shard, dotted options, --reporter=json', async () => {
    const args = ['run', 'work', '-t', 'spins', '--no-isolate', '--shard=1/1', '--coverage.enabled=false', '--sequence.shuffle=false', '--reporter=json']
    const r = await runFixture(FIXTURE, { args })
    expect(r.code, r.output).toBe(0)
    // vitest 5 writes the JSON to .vitest/ by default; vitest 4 to stdout.
    if (!/report written to/.test(r.stdout)) expect(JSON.parse(r.stdout).numPassedTests).toBe(1)
    expect(r.summary?.tests.map((t) => t.name)).toEqual(['spins'])
  }, TIMEOUT)

  test('--project picks a project', async () => {
    const r = await runFixture(FIXTURE, { args: ['run', '--config', 'vitest.projects.config.ts', '--project', 'two'] })
    expect(r.code, r.output).toBe(0)
    expect(r.summary?.tests.map((t) => t.name)).toEqual(['other spins'])
  }, TIMEOUT)
})

describe('vitest-profile: our flags', () => {
  test('--profiler.<option> sets the option, over the config plugin\'s own (and without a plugin)', async () => {
    const withPlugin = await runFixture(FIXTURE, { args: ['run', '--profiler.interval', '1000', '--no-profiler.summary'] })
    expect(withPlugin.code, withPlugin.output).toBe(0)
    expect(interval(withPlugin)).toBe(1000)
    expect(withPlugin.output, 'summary off').not.toContain('profiles received')
    const bare = await runFixture(FIXTURE, { args: ['run', '--config', 'vitest.bare.config.ts', '--profiler.interval=500', '--profiler.top-lines', '1', '--profiler.summary', 'true'] })
    expect(bare.code, bare.output).toBe(0)
    expect(interval(bare)).toBe(500)
    expect(bare.output).toContain('profiles received: 2')
  }, TIMEOUT)

  test('--profiler.outputDir moves the run', async () => {
    const r = await runFixture(FIXTURE, { args: ['run', '--profiler.output-dir', 'perf-out', '--profiler.keepRuns=1'] })
    try {
      expect(r.code, r.output).toBe(0)
      const runs = path.join(r.root, 'perf-out', 'runs')
      const [only, ...more] = fs.readdirSync(runs)
      expect(more).toEqual([])
      expect(readRun(path.join(runs, only!)).threads.length).toBeGreaterThan(0)
      expect(r.output).toContain(path.join(r.root, 'perf-out', 'report', 'report.json'))
    } finally {
      fs.rmSync(path.join(r.root, 'perf-out'), { recursive: true, force: true })
    }
  }, TIMEOUT)

  test.each([
    [['run', '--profiler.interval', 'fast'], 'vitest-profile: --profiler.interval must be an integer from 50 to 100000 (microseconds), got "fast".'],
    [['run', '--profiler.interval=10'], 'vitest-profile: --profiler.interval must be an integer from 50 to 100000 (microseconds), got 10.'],
    [['run', '--profiler.interval'], 'vitest-profile: --profiler.interval takes a value: an integer from 50 to 100000 (microseconds).'],
    [['run', '--profiler.summary=yes'], 'vitest-profile: --profiler.summary must be true or false, got "yes".'],
    [['run', '--profiler.outputDir='], 'vitest-profile: --profiler.outputDir takes a value: a non-empty path string.'],
    [['run', '--runs', '2'], 'vitest-profile: --runs is for --update-baseline (the runs a baseline keeps per test)'],
  ])('a bad flag value: one line naming flag, value and what it takes, exit 1: %j', async (args, message) => {
    const r = await runFixture(FIXTURE, { args })
    expect(r.code, r.output).toBe(1)
    expect(r.output.trim()).toBe(message)
  }, TIMEOUT)

  test('an unknown --profiler. flag lists ours', async () => {
    const r = await runFixture(FIXTURE, { args: ['run', '--profiler.intervall=1000'] })
    expect(r.code, r.output).toBe(1)
    expect(r.output.trim()).toMatch(/^vitest-profile: unknown flag --profiler\.intervall\. Accepted: --profiler\.outputDir, --profiler\.interval, .*\(see vitest-profile --help\)\.$/)
  }, TIMEOUT)

  test('a bad plugin option in the config: its message, no stack, exit 1 (bin and vitest)', async () => {
    for (const via of ['bin', 'vitest'] as const) {
      const r = await runFixture('activation-bad-option', { via, args: ['run'] })
      expect(r.code, r.output).toBe(1)
      expect(r.output).toContain(`vitest-profiler: option 'interval' must be an integer from 50 to 100000 (microseconds), got "fast".`)
      expect(r.output, `${via}: no stack`).not.toMatch(STACK)
    }
  }, TIMEOUT)
})

describe('vitest-profile: --help and --version', () => {
  test('--help: vitest\'s help, then our flags', async () => {
    const r = await runFixture(FIXTURE, { args: ['--help'] })
    expect(r.code, r.output).toBe(0)
    expect(r.stdout).toMatch(/--reporter <name>/)
    const ours = r.stdout.indexOf("vitest-profile's own flags")
    expect(ours, r.stdout).toBeGreaterThan(r.stdout.indexOf('--reporter <name>'))
    for (const flag of ['--profiler.interval <n>', '--profiler.outputDir <path>', '--profiler.summary[=false]', '--update-baseline', '--baseline <file>', '--runs <n>', '--gate-reruns <n>']) {
      expect(r.stdout.slice(ours)).toContain(flag)
    }
    expect(r.stdout).toContain('an integer from 50 to 100000 (microseconds) (default: 2000)')
  }, TIMEOUT)

  test('--version: ours and vitest\'s', async () => {
    const own = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version
    const r = await runFixture(FIXTURE, { args: ['--version'] })
    expect(r.code, r.output).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`^vitest-profiler/${own.replace(/\./g, '\\.')}\\nvitest/\\d+\\.\\d+\\.\\d+`))
  }, TIMEOUT)
})
