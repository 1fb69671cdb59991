import { describe, expect, test } from 'vitest'
import { runFixture, type FixtureRun } from '../helpers/run-fixture.js'

// Profiling must never change a suite's outcome: the same fixture, plain `vitest run` (its config has no
// plugin) versus `vitest-profile run`, gives the same counts and the same exit code.
function outcome(r: FixtureRun) {
  const line = (label: string) => r.output.split('\n').find((l) => l.trimStart().startsWith(label))?.trim() ?? `(no ${label} line)`
  return {
    code: r.code,
    signal: r.signal,
    files: line('Test Files').replace(/\s+/g, ' '),
    tests: line('Tests').replace(/\s+/g, ' '),
    errors: line('Errors').replace(/\s+/g, ' '),
  }
}

describe.each(['forks', 'threads'])('pool %s', (pool) => {
  test.each([
    // A failing test, a skipped one, tinypool work, process.exit() in a worker thread and in a forked child.
    ['parity-mixed', { code: 1, tests: 'Tests 1 failed | 4 passed | 1 skipped (6)' }],
    // process.exit() called in vitest's own test worker.
    ['parity-exit', { code: 1, tests: 'Tests 1 failed | 2 passed (3)' }],
  ] as const)('%s: same outcome with and without profiling', async (fixture, expected) => {
    const args = ['run', `--pool=${pool}`]
    const plain = await runFixture(fixture, { via: 'vitest', args })
    expect(plain.run, 'the plain run profiles nothing').toBeNull()
    const profiled = await runFixture(fixture, { args })
    expect(profiled.run, profiled.output).not.toBeNull()
    expect(profiled.summary!.profilesReceived).toBeGreaterThan(0)
    expect(outcome(profiled)).toEqual(outcome(plain))
    expect(outcome(plain)).toMatchObject(expected)
    // Nothing of ours in the suite's own output: an inspector session left connected to a main thread that
    // calls process.exit() would make Node print this to the process's stderr.
    expect(profiled.output).not.toContain('Waiting for the debugger')
    expect(profiled.stderr).not.toMatch(/vitest-profiler:/)
  })
})
