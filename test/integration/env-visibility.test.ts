import * as fs from 'node:fs'
import * as path from 'node:path'
import { expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'
import { buildThreadTree } from '../../src/attribution/threads.js'

// Issue #9.1: what any thread or process of a test sees in process.env is what it sees without profiling, and
// the children are still profiled (and joined to the test that created them).
// Failed before the fix: VITEST_PROFILER_LINEAGE and our NODE_OPTIONS showed in every env checked here.
test.each(['forks', 'threads'])('pool %s: every thread and process sees the env it would see plain', async (pool) => {
  const args = ['run', `--pool=${pool}`]
  const plain = await runFixture('env-visibility', { via: 'vitest', args })
  expect(plain.code, plain.output).toBe(0)
  const profiled = await runFixture('env-visibility', { args })
  expect(profiled.code, profiled.output).toBe(0)
  expect(profiled.output).toMatch(/Tests\s+12 passed \(12\)/)

  const tree = buildThreadTree(profiled.run!)
  const testThread = [...tree.nodes.values()].find((n) => n.isTestThread)!
  const children = [...tree.nodes.values()].filter((n) => !n.isTestThread && n.root === testThread.record.key)
  // 5 workers (SHARE_ENV joined by its creator's spawn record), 3 fork/spawn, 4 sync spawns, 1 node under sh.
  expect(children.filter((n) => n.kind === 'worker').length, 'workers profiled').toBe(5)
  expect(children.filter((n) => n.kind === 'process').length, 'processes profiled').toBe(8)
  expect(tree.missing).toEqual([])
})

// Issue #10.13: DEBUG names scopes, and agents never write debug text to a profiled process's own stderr.
// Failed before: DEBUG=vitest-profiler:reporter turned on every scope in every agent, on their stderr.
test('DEBUG: the scope asked for, on the main process; agents write to the run folder', async () => {
  const scoped = await runFixture('env-visibility', { args: ['run', '-t', 'stderr'], env: { DEBUG: 'vitest-profiler:reporter' } })
  expect(scoped.code, scoped.output).toBe(0)
  expect(scoped.stderr).toMatch(/vitest-profiler:reporter \[\d+-0\] read, attributed and reported/)
  expect(scoped.output).not.toMatch(/vitest-profiler:(agent|preload|control)/)
  const all = await runFixture('env-visibility', { args: ['run', '-t', 'stderr'], env: { DEBUG: 'vitest-profiler:*' } })
  expect(all.code, all.output).toBe(0)
  expect(all.output).not.toMatch(/vitest-profiler:(agent|preload|control)/)
  const log = fs.readFileSync(path.join(all.runDir!, 'debug.log'), 'utf8')
  expect(log).toMatch(/vitest-profiler:preload \[\d+-\d+\] started in/)
})
