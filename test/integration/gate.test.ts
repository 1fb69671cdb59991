/**
 * The regression gate on fixtures/gate, with real vitest runs: the baseline written by `vitest-profile run
 * --update-baseline --runs 2`, then plain `vitest run` (the plugin in the config, profiling off) compared with
 * it: unchanged, one test's work raised by 50% (caught, re-run, exit 3), lowered (improvement, exit 0), a test
 * new and one gone, a corrupt and a foreign baseline, GitHub's annotation and step summary, and two shards
 * merged into one verdict. The work is a fixed loop, about 250 ms on the test host against a 10% tolerance and a
 * 20 ms floor: the raise is 5x the tolerance, so that the host's noise cannot decide. The calibration probe
 * runs in every one of them: that it is recorded and said is checked, never what it measured (the machine's
 * load is nobody's to assert here).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { fixturesDir, repoRoot, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { PROBE_VERSION } from '../../src/budgets/calibration.js'

// The baseline lives in the fixture's source folder: under the compat run (vitest 5 / Node 24), runFixture
// runs each call in a fresh copy of that folder, which then carries it.
const source = path.join(fixturesDir, 'gate')
const baselineFile = () => path.join(source, 'vitest-profiler.baseline.json')
// Where runFixture puts the fixtures (a copy's parent under compat): GitHub's workspace in the annotation test.
const workspace = () => (process.env.VP_COMPAT_ROOT ? path.join(process.env.VP_COMPAT_ROOT, 'fixtures') : fixturesDir)
const gate = (env: Record<string, string> = {}, args = ['run']) => runFixture('gate', { via: 'vitest', args, env, timeoutMs: 170_000 })
// Scratch files of this test: not in the system's temp folder, which isolation.test.ts watches meanwhile.
const scratch = (name: string) => {
  const dir = path.join(repoRoot, '.cache', 'gate-test')
  fs.mkdirSync(dir, { recursive: true })
  return path.join(dir, `${name}-${process.pid}`)
}
const summaryLine = (r: FixtureRun) => /^gate: .*$/m.exec(r.output)?.[0] ?? `(no gate line)\n${r.output}`

describe.sequential('the regression gate', () => {
  let baselineText = ''

  beforeAll(async () => {
    fs.rmSync(baselineFile(), { force: true })
    const r = await runFixture('gate', { via: 'bin', args: ['run', '--update-baseline', '--runs', '2'], timeoutMs: 170_000 })
    expect(r.code, r.output).toBe(0)
    expect(r.output).toMatch(/gate: baseline written: 4 tests, 2 runs each, to vitest-profiler\.baseline\.json \(commit it\); calibration: \d+ probe repetitions/)
    baselineText = fs.readFileSync(path.join(r.root, 'vitest-profiler.baseline.json'), 'utf8')
    if (r.root !== source) fs.writeFileSync(baselineFile(), baselineText)
  }, 200_000)

  test('the baseline: versioned, stable order, each test with its runs and (profiled) top lines', () => {
    const b = JSON.parse(baselineText)
    expect(b).toMatchObject({ schema: 'vitest-profiler/baseline', version: 1, machine: { platform: process.platform, node: expect.stringMatching(/^v\d+\./), profiled: true } })
    expect(Object.keys(b.tests)).toEqual(['more.test.ts › more › in a pool', 'more.test.ts › more › micro', 'work.test.ts › work › heavy', 'work.test.ts › work › light'])
    const heavy = b.tests['work.test.ts › work › heavy']
    expect(heavy.runs).toHaveLength(2)
    for (const run of heavy.runs) expect(run.cpuMs).toBeGreaterThan(150)
    expect(heavy.topLines[0].line).toMatch(/^burn\.mjs:\d+$/)
    // The pool's worker is in the figures (the second run too: the run stays active across --runs).
    for (const run of b.tests['more.test.ts › more › in a pool'].runs) expect(run.workersMs).toBeGreaterThan(50)
    // One run per line: a baseline diff in review shows which figures changed.
    expect(baselineText).toMatch(/\n {8}\{ "cpuMs": [\d.]+, "mainMs": [\d.]+, "workersMs": [\d.]+, "wallMs": [\d.]+, "boundMs": [\d.]+, "helpersMs": [\d.]+ \},?\n/)
  })

  test('the calibration: the probe around both runs, recorded with the baseline; each run with its helpers figure', () => {
    const b = JSON.parse(baselineText)
    expect(Object.keys(b)).toEqual(['schema', 'version', 'created', 'machine', 'calibration', 'tests'])
    expect(b.calibration).toMatchObject({ probe: PROBE_VERSION, clock: 'thread' })
    // Before the first run and after each (the second run's start is the first's end): 3 probes of 4.
    for (const part of ['arithmeticMs', 'memoryMs', 'helpersMs']) {
      expect(b.calibration[part].length, part).toBeGreaterThanOrEqual(8)
      for (const ms of b.calibration[part]) expect(ms, part).toBeGreaterThanOrEqual(0)
    }
    // A forks pool's test runs in its process's main thread: its process's other CPU is known (V8's helpers).
    for (const t of Object.values(b.tests) as { runs: { helpersMs?: number }[] }[]) for (const run of t.runs) expect(run.helpersMs).toBeGreaterThanOrEqual(0)
  })

  test('unchanged: quiet, exit 0; the output says what the calibration probe measured', async () => {
    const r = await gate()
    expect(r.code, r.output).toBe(0)
    expect(summaryLine(r)).toBe('gate: 0 regressed, 0 improved, 0 new, 0 gone, 4 ok (tolerance 10%, floor 20 ms)')
    // Whatever the load was: one sentence, with both parts' ratios.
    expect(r.output.match(/^load: /gm)).toHaveLength(1)
    expect(r.output).toMatch(/^load: machine (as fast as|[\d.]+x (slower|faster)( in [a-z ]+)? than) at the baseline \(calibration probe: arithmetic [\d.]+x, memory [\d.]+x\)/m)
  })

  test('a baseline without a calibration (an older one): compared as it is, and said once, with the ratchet', async () => {
    const b = JSON.parse(baselineText)
    delete b.calibration
    try {
      fs.writeFileSync(baselineFile(), JSON.stringify(b, null, 2))
      const r = await gate()
      expect(r.code, r.output).toBe(0)
      expect(summaryLine(r)).toBe('gate: 0 regressed, 0 improved, 0 new, 0 gone, 4 ok (tolerance 10%, floor 20 ms)')
      expect(r.output.match(/^load: /gm)).toHaveLength(1)
      expect(r.output).toMatch(/^load: the baseline has no calibration \(made by an older vitest-profiler\)[\s\S]*npx vitest-profile run --update-baseline$/m)
    } finally {
      fs.writeFileSync(baselineFile(), baselineText)
    }
  })

  test('one test 50% slower: re-run alone, judged on the median, exit 3', async () => {
    const r = await gate({ GATE_SCALE: '1.5' })
    expect(r.code, r.output).toBe(3)
    expect(r.output).toMatch(/✗ regressed +work\.test\.ts › work › heavy +\+[\d.]+ m?s \(\+\d+%\): [\d.]+ m?s → [\d.]+ m?s/)
    expect(r.output).toMatch(/this run [\d.]+ m?s, then re-ran 2 times: [\d.]+, [\d.]+ m?s; median [\d.]+ m?s/)
    expect(r.output).toMatch(/where: test thread [\d.]+ m?s → [\d.]+ m?s, workers 0 ms → 0 ms/)
    expect(summaryLine(r)).toBe('gate: 1 regressed, 0 improved, 0 new, 0 gone, 3 ok (tolerance 10%, floor 20 ms)')
    // vitest itself saw every test pass: the exit code is the gate's alone.
    expect(r.output).toMatch(/Tests {2}4 passed/)
  })

  test('both runs profiled: the regression names the lines that gained the time, main vs workers', async () => {
    const r = await runFixture('gate', { via: 'bin', args: ['run'], env: { GATE_SCALE: '1.5' }, timeoutMs: 170_000 })
    expect(r.code, r.output).toBe(3)
    expect(r.output).toMatch(/line +baseline +now +change +main \/ workers: baseline → now/)
    expect(r.output).toMatch(/^ +burn\.mjs:\d+ +[\d.]+ m?s +[\d.]+ m?s +\+[\d.]+ m?s +[\d.]+ m?s \/ 0 ms → [\d.]+ m?s \/ 0 ms$/m)
  })

  test('one test faster: an improvement, reported with the ratchet command, exit 0', async () => {
    const r = await gate({ GATE_SCALE: '0.4' })
    expect(r.code, r.output).toBe(0)
    expect(r.output).toMatch(/↓ improved +work\.test\.ts › work › heavy/)
    expect(r.output).toContain('npx vitest-profile run --update-baseline')
    expect(summaryLine(r)).toMatch(/^gate: 0 regressed, 1 improved/)
  })

  test('a new test and a gone one are reported as such, not failed', async () => {
    const r = await gate({ GATE_NEW: '1', GATE_GONE: '1' })
    expect(r.code, r.output).toBe(0)
    expect(r.output).toMatch(/new +work\.test\.ts › work › brand new/)
    expect(r.output).toMatch(/gone +work\.test\.ts › work › light/)
    expect(summaryLine(r)).toBe('gate: 0 regressed, 0 improved, 1 new, 1 gone, 3 ok (tolerance 10%, floor 20 ms)')
  })

  test('under GitHub Actions: an error annotation at the hottest regressed line, and the step summary', async () => {
    const summary = scratch('summary.md')
    fs.writeFileSync(summary, '# earlier step\n')
    try {
      const r = await gate({ GATE_SCALE: '1.5', GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: workspace() })
      expect(r.code, r.output).toBe(3)
      // The workspace is the fixtures folder: the path is relative to it (gate/, or the compat run's copy).
      expect(r.stdout).toMatch(/^::error file=gate[^/]*\/(work\.test\.ts|burn\.mjs),line=\d+,title=[^:]*::.*heavy/m)
      const md = fs.readFileSync(summary, 'utf8')
      expect(md.startsWith('# earlier step\n')).toBe(true)
      expect(md).toMatch(/\|.*heavy.*\|/)
      expect(md).toMatch(/regressed/)
    } finally {
      fs.rmSync(summary, { force: true })
    }
  })

  test('shards: each writes its part; --merge-reports gives one verdict and one exit code', async () => {
    const shardDir = (r: FixtureRun) => path.join(r.root, '.vitest-profile', 'gate')
    const one = await gate({ GATE_SCALE: '1.5' }, ['run', '--shard=1/2'])
    // runFixture clears .vitest-profile before each run: keep the first shard's file aside.
    const kept = scratch('shards')
    fs.rmSync(kept, { recursive: true, force: true })
    fs.cpSync(shardDir(one), kept, { recursive: true })
    const two = await gate({ GATE_SCALE: '1.5' }, ['run', '--shard=2/2'])
    fs.cpSync(shardDir(two), kept, { recursive: true })
    try {
      expect(fs.readdirSync(kept).sort()).toEqual(['shard-1-of-2.json', 'shard-2-of-2.json'])
      expect(one.output + two.output).not.toMatch(/\bgone\b.*work\.test\.ts/)
      const merged = await runFixture('gate', { via: 'bin', args: ['--merge-reports', kept], timeoutMs: 60_000 })
      expect(merged.code, merged.output).toBe(3)
      expect(merged.output).toMatch(/✗ regressed +work\.test\.ts › work › heavy/)
      expect(summaryLine(merged)).toBe('gate: 1 regressed, 0 improved, 0 new, 0 gone, 3 ok (tolerance 10%, floor 20 ms)')
    } finally {
      fs.rmSync(kept, { recursive: true, force: true })
    }
  })

  test('a corrupt baseline, another schema version, another machine: each says what is wrong', async () => {
    try {
      fs.writeFileSync(baselineFile(), baselineText.replace('"version": 1,', '"version": 1,,'))
      const corrupt = await gate()
      expect(corrupt.code, corrupt.output).toBe(1)
      expect(corrupt.output).toMatch(/vitest-profiler: baseline vitest-profiler\.baseline\.json:.*line 3/)

      fs.writeFileSync(baselineFile(), baselineText.replace('"version": 1,', '"version": 7,'))
      const future = await gate()
      expect(future.code, future.output).toBe(1)
      expect(future.output).toMatch(/version 7/)
      expect(future.output).toContain('npx vitest-profile run --update-baseline')

      const b = JSON.parse(baselineText)
      b.machine.cpuModel = 'Some Other CPU'
      b.machine.cpus = 64
      fs.writeFileSync(baselineFile(), JSON.stringify(b, null, 2))
      const foreign = await gate()
      expect(foreign.code, foreign.output).toBe(0)
      expect(foreign.output).toMatch(/warning: [\s\S]*the baseline was made on another\s+machine/)
      // Made by vitest-profile (profiled), compared in a plain run: said too.
      expect(foreign.output).toMatch(/the baseline's runs were profiled \(vitest-profile\) and this run is without profiling/)
    } finally {
      fs.writeFileSync(baselineFile(), baselineText)
    }
  })
})
