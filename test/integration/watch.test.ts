/**
 * Watch mode in a real pseudo-terminal (util-linux `script`; node-pty is not installed here), issue #10.11:
 * `vitest-profile watch` and `vitest watch --mode profile` on fixtures/watch (two test files). A change to one
 * file re-runs it alone, and that re-run is a run of its own: its folder, report and .cpuprofile files hold its
 * one thread only (before: the earlier runs' threads too). `h` prints vitest's help and `q` quits with exit 0
 * (before, under the bin: neither key did anything, and the process never ended).
 */
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import { readRun } from '../../src/spool/reader.js'
import { summarizeRun } from '../../src/attribution/summary.js'
import { loadCapturedMaps, nodeIo } from '../../src/attribution/io.js'
import { fixtureCommand, type FixtureRunOptions } from '../helpers/run-fixture.js'

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0
/** Generous: two shared cores, other test runs beside this one. */
const STEP_MS = 90_000

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[a-zA-Z]|\x1b[c=>]|\r/g, '')

/** A fixture's vitest in a pty: output so far, keys in, and a wait for text that appears after a mark. */
function inPty(name: string, options: FixtureRunOptions) {
  const { node, args, root, env } = fixtureCommand(name, options)
  // -e: script exits with the child's code; -f: flush as it comes; the typescript file is not wanted.
  const child = spawn('script', ['-qefc', [node, ...args].map(quote).join(' '), '/dev/null'], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const kill = setTimeout(() => child.kill('SIGKILL'), 5 * STEP_MS)
  void closed.then(() => clearTimeout(kill))
  return {
    root,
    output: () => plain(out),
    mark: () => plain(out).length,
    async waitFor(re: RegExp, from: number, what: string): Promise<void> {
      const deadline = Date.now() + STEP_MS
      while (!re.test(plain(out).slice(from))) {
        if (Date.now() > deadline) throw new Error(`no ${what} within ${STEP_MS / 1000} s; output:\n${plain(out)}`)
        if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before ${what}; output:\n${plain(out)}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    send: (keys: string) => child.stdin.write(keys),
    closed,
    kill: () => child.kill('SIGKILL'),
  }
}

/** The fixture's run folders, oldest first, each with its tests and its threads. */
function runs(root: string) {
  const dir = path.join(root, '.vitest-profile', 'runs')
  return fs.readdirSync(dir).sort().map((id) => {
    const run = readRun(path.join(dir, id))
    const summary = summarizeRun(run, { rootDir: root, capturedMaps: loadCapturedMaps(path.join(dir, id)), io: nodeIo })
    return { id, tests: summary.tests.map((t) => t.name).sort(), threads: run.threads.map((t) => t.key) }
  })
}

// Both the prompt and the report: vitest is idle and watching, and our report of that test run is out.
const IDLE = /profiles received: \d+[\s\S]*Waiting for file changes/

describe.runIf(hasScript)('watch mode in a terminal', () => {
  test.each([
    ['vitest-profile watch', { args: ['watch'] }],
    ['vitest watch --mode profile', { via: 'vitest' as const, args: ['watch', '--mode', 'profile', '--config', 'vitest.plugin.config.ts'] }],
  ])('%s: a re-run is its own run; h helps, q quits with 0', async (_label, options) => {
    // Not CI: vitest's watch prompt and keys are for a person at a terminal.
    const pty = inPty('watch', { ...options, env: { CI: undefined, GITHUB_ACTIONS: undefined } })
    try {
      await pty.waitFor(IDLE, 0, 'first report')
      expect(pty.output()).toContain('profiles received: 2')
      const first = runs(pty.root)
      expect(first.map((r) => r.tests)).toEqual([['a spins', 'b spins']])

      // The same content written again: a change event for b.test.ts alone.
      let mark = pty.mark()
      const b = path.join(pty.root, 'b.test.ts')
      fs.writeFileSync(b, fs.readFileSync(b))
      await pty.waitFor(IDLE, mark, 'report of the re-run')
      const rerun = pty.output().slice(mark)
      expect(rerun).toContain('profiles received: 1')
      expect(rerun).not.toMatch(/a\.test\.ts/)
      const after = runs(pty.root)
      expect(after.map((r) => r.id)[0], 'the first run is kept as it was').toBe(first[0]!.id)
      expect(after.map((r) => r.tests)).toEqual([['a spins', 'b spins'], ['b spins']])
      expect(after[1]!.threads).toHaveLength(1)
      expect(first[0]!.threads, "the re-run's thread is new").not.toContain(after[1]!.threads[0])
      const reportDir = path.join(pty.root, '.vitest-profile', 'report')
      expect(fs.readdirSync(reportDir).filter((f) => f.endsWith('.cpuprofile'))).toHaveLength(1)
      const report = JSON.parse(fs.readFileSync(path.join(reportDir, 'report.json'), 'utf8')) as { run: { runId: string } }
      expect(report.run.runId).toBe(after[1]!.id)

      mark = pty.mark()
      pty.send('h')
      await pty.waitFor(/Watch Usage[\s\S]*press q/, mark, "vitest's shortcut help")
      pty.send('q')
      expect(await pty.closed, pty.output()).toBe(0)
    } finally {
      pty.kill()
    }
  }, 5 * STEP_MS)
})

test.skipIf(hasScript)('watch mode needs `script` (util-linux) for a pseudo-terminal', () => {
  // Nothing to run here: no pty (node-pty is not installed). The other integration tests cover `run`.
})
