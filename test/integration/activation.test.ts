/**
 * Every documented way of turning profiling on, in a config that has the plugin, and the bin with
 * `test.projects` (inline and file-based projects) on the plugin-less config.
 */
import { describe, expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'

describe('plugin activation', () => {
  test('off by default: no run directory, no summary, same exit code', async () => {
    const r = await runFixture('activation', { via: 'vitest', args: ['run'] })
    expect(r.code, r.output).toBe(0)
    expect(r.runDir).toBeNull()
    expect(r.output).not.toContain('vitest-profiler')
  })

  test.each([
    ['vitest --mode profile', ['run', '--mode', 'profile'], {}],
    ['vitest run -- --profile', ['run', '--', '--profile'], {}],
    ['VITEST_PROFILE=1', ['run'], { VITEST_PROFILE: '1' }],
  ])('%s turns profiling on', async (_label, args, env) => {
    const r = await runFixture('activation', { via: 'vitest', args, env })
    expect(r.code, r.output).toBe(0)
    expect(r.summary?.tests.map((t) => t.name)).toEqual(['spins'])
    expect(r.summary!.tests[0]!.samplesMain).toBeGreaterThan(10)
    expect(r.output).toContain('profiles received: 1')
  })

  // Issue #10.12. Failed before: the bin profiled anyway (a run directory and the report).
  test('profiler({ enabled: false }) keeps it off, under the bin and with VITEST_PROFILE=1 too', async () => {
    for (const options of [{}, { env: { VITEST_PROFILE: '1' } }, { via: 'vitest' as const, env: { VITEST_PROFILE: '1' } }]) {
      const r = await runFixture('activation-disabled', { args: ['run'], ...options })
      expect(r.code, r.output).toBe(0)
      expect(r.runDir, r.output).toBeNull()
      expect(r.stdout).not.toContain('vitest-profiler')
      if (options.via !== 'vitest') expect(r.stderr).toContain('profiling is off: the config has profiler({ enabled: false })')
    }
  })

  test('VITEST_PROFILE=0 leaves it off', async () => {
    const r = await runFixture('activation', { via: 'vitest', args: ['run'], env: { VITEST_PROFILE: '0' } })
    expect(r.code, r.output).toBe(0)
    expect(r.runDir).toBeNull()
  })

  // A wrong option in the config (fixtures/activation-bad-option): bin-cli.test.ts, under the bin and vitest.
})

describe('test.projects', () => {
  test('the bin instruments inline and file-based projects without a config change', async () => {
    const r = await runFixture('projects', { args: ['run'] })
    expect(r.code, r.output).toBe(0)
    expect(r.summary?.tests.map((t) => t.name).sort()).toEqual(['project a spins', 'project b spins'])
    for (const t of r.summary!.tests) expect(t.samplesMain).toBeGreaterThan(10)
  })

  test('the plugin in a root config with projects reaches every project (--mode profile)', async () => {
    const r = await runFixture('projects', { via: 'vitest', args: ['run', '--config', 'vitest.plugin.config.ts', '--mode', 'profile'] })
    expect(r.code, r.output).toBe(0)
    expect(r.summary?.tests.map((t) => t.name).sort()).toEqual(['project a spins', 'project b spins'])
    // vitest's own default reporter is still there next to ours.
    expect(r.output).toMatch(/Test Files\s+2 passed/)
  })
})

describe('the bin keeps vitest command line', () => {
  test('--version and list go to vitest unchanged', async () => {
    const version = await runFixture('activation', { args: ['--version'] })
    expect(version.code).toBe(0)
    expect(version.output).toMatch(/vitest\/\d+\.\d+\.\d+/)
    const list = await runFixture('activation', { args: ['list'] })
    expect(list.code, list.output).toBe(0)
    expect(list.output).toContain('work.test.ts > spins')
    expect(list.runDir, 'list runs no tests: nothing profiled').toBeNull()
  })

  // Issue #10.10. Failed before: our report was appended to the JSON on stdout.
  test('with a machine-readable reporter on stdout, our report goes to stderr', async () => {
    // vitest 5 writes these documents to .vitest/<reporter>/output.* by default and says so on stdout: nothing
    // to protect there (our report then goes to stderr all the same: harmless).
    const toStdout = (r: { stdout: string }) => !/report written to/.test(r.stdout)
    const json = await runFixture('activation', { args: ['run', '--reporter=json'], env: { VITEST_PROFILE: '1' } })
    expect(json.code, json.output).toBe(0)
    if (toStdout(json)) {
      expect(JSON.parse(json.stdout).numPassedTests).toBe(1)
      expect(json.stderr).toContain('vitest-profiler')
    }
    const junit = await runFixture('activation', { args: ['run', '--reporter=junit'], env: { VITEST_PROFILE: '1' } })
    if (toStdout(junit)) {
      expect(junit.stdout.trim()).toMatch(/^<\?xml[\s\S]*<\/testsuites>$/)
      expect(junit.stderr).toContain('vitest-profiler')
    }
    expect(json.output, 'our report is printed somewhere').toContain('vitest-profiler')
    // Written to a file, the JSON leaves stdout to the default reporter and to us.
    const toFile = await runFixture('activation', { args: ['run', '--reporter=default', '--reporter=json', '--outputFile=.vitest-profile/r.json'], env: { VITEST_PROFILE: '1' } })
    expect(toFile.stdout).toContain('vitest-profiler')
  })

  test('a failing suite keeps vitest exit code 1', async () => {
    const r = await runFixture('parity-mixed', { args: ['run', 'fail.test.ts'] })
    expect(r.code).toBe(1)
    expect(r.output).toMatch(/Tests\s+1 failed \| 1 passed/)
  })
})
