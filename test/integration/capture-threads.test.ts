import { describe, expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'
import { checkScenarios, checkSeenReceived } from './capture-assert.js'

// Worker threads created by tests: raw Worker, tinypool and piscina pools left open, nested workers. In the
// forks pool vitest ends its child with SIGTERM (our handler rescues open pools: 'terminated'); in the threads
// pool it terminates the test thread from the unprofiled main process, so the file-end flush is the last one,
// or, for a pool worker that sat idle for a second before that, the pause of its sampling (agent/idle.ts:
// everything it sampled was written then, 'idle').
describe.each(['forks', 'threads'])('capture-threads, pool %s', (pool) => {
  test('every worker has its profile, its work inside its test window, and an ending', async () => {
    const r = await runFixture('capture-threads', { args: ['run', `--pool=${pool}`] })
    expect(r.code, r.output).toBe(0)
    const open = pool === 'forks' ? ['terminated', 'file-end', 'idle'] : ['file-end', 'terminated', 'idle']
    checkScenarios(r, {
      'raw worker': { threads: 1, kind: 'worker', endings: ['exit'], detail: /code 0/ },
      'tinypool never closed': { threads: 2, kind: 'worker', endings: open },
      'piscina never closed': { threads: 2, kind: 'worker', endings: open },
      'nested workers': { threads: 2, kind: 'worker', endings: ['exit'] },
    })
    // The nested worker's parent is the outer worker, not the test thread.
    const nodes = [...(await import('../../src/attribution/threads.js')).buildThreadTree(r.run!).nodes.values()]
    const nestedChild = nodes.filter((n) => n.kind === 'worker' && n.parent && nodes.find((p) => p.record.key === n.parent)?.kind === 'worker')
    expect(nestedChild).toHaveLength(1)
    checkSeenReceived(r, 8, 8)
  })
})
