/**
 * One vitest worker running several files (isolate: false, and vm pools, which run a worker's files in one
 * batch): every file's tests get their windows, with the profiler installed as users have it. Under
 * node_modules/ vitest imports a setup file added after its resolver was built natively, and evaluates it once
 * per worker; only the first file per worker had windows then.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { fixturesDir, repoRoot, runFixture } from '../helpers/run-fixture.js'

const fixture = path.join(fixturesDir, 'one-worker')
const installed = path.join(fixture, 'node_modules', 'vitest-profiler')

beforeAll(() => {
  fs.rmSync(installed, { recursive: true, force: true })
  // Under compat the fixture's copy resolves the package installed from the tarball in the compat root.
  if (process.env.VP_COMPAT_ROOT) return
  // A copy, not a symlink: Node resolves a symlink to its real path, outside node_modules/.
  fs.mkdirSync(installed, { recursive: true })
  fs.cpSync(path.join(repoRoot, 'dist'), path.join(installed, 'dist'), { recursive: true })
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(installed, 'package.json'))
})

const pools = ['forks', 'threads', 'vmThreads', 'vmForks']
const cases = pools.flatMap((pool) => [true, false].map((isolate) => ({ pool, isolate })))

describe.each(cases)('pool $pool, isolate $isolate, one worker for three files', ({ pool, isolate }) => {
  test('every test of every file has its window', async () => {
    const r = await runFixture('one-worker', {
      via: 'vitest',
      args: ['run', '--config', 'vitest.installed.config.ts', `--pool=${pool}`, isolate ? '--isolate' : '--no-isolate'],
    })
    expect(r.code, r.output).toBe(0)
    const names = r.summary!.tests.map((t) => `${t.file} > ${t.name}`).sort()
    expect(names).toEqual(['a one', 'a two', 'b one', 'b two', 'c one', 'c two'].map((n) => `${n[0]}.test.ts > ${n}`))
    // One role per test thread, however many files it ran.
    for (const t of r.run!.threads) if (t.role) expect(t.chunks.some((c) => c.event.reason === 'file-end'), t.key).toBe(true)
    const roles = r.run!.threads.map((t) => fs.readFileSync(path.join(t.dir, 'events.ndjson'), 'utf8').split('"t":"role"').length - 1)
    for (const n of roles) expect(n).toBeLessThanOrEqual(1)
    // The setup file vitest ran is the per-run stub, and the real module was the installed copy.
    const stub = fs.readdirSync(path.join(r.root, '.vitest-profile', 'bootstrap')).find((f) => f.endsWith('.setup.mjs'))!
    expect(fs.readFileSync(path.join(r.root, '.vitest-profile', 'bootstrap', stub), 'utf8')).toMatch(/node_modules\/vitest-profiler\/dist\/agent\/setup\.js/)
    if (!isolate || pool.startsWith('vm')) expect(r.run!.threads.filter((t) => t.role)).toHaveLength(1)
  })
})
