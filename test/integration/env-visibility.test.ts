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
  expect(profiled.output).toMatch(/Tests\s+10 passed \(10\)/)

  const tree = buildThreadTree(profiled.run!)
  const testThread = [...tree.nodes.values()].find((n) => n.isTestThread)!
  const children = [...tree.nodes.values()].filter((n) => !n.isTestThread && n.root === testThread.record.key)
  // 4 workers (SHARE_ENV joined by its creator's spawn record), 3 fork/spawn, 3 sync spawns, 1 node under sh.
  expect(children.filter((n) => n.kind === 'worker').length, 'workers profiled').toBe(4)
  expect(children.filter((n) => n.kind === 'process').length, 'processes profiled').toBe(7)
  expect(tree.missing).toEqual([])
})
