import { describe, expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'
import { checkScenarios, checkSeenReceived } from './capture-assert.js'

// Workers that end badly: terminate() and pool destroy() while stuck in a synchronous loop (the parent's
// inspector rescue flushes them first), process.exit() inside a worker, an uncaught error in a worker.
describe.each(['forks', 'threads'])('capture-endings, pool %s', (pool) => {
  test('no worker takes its data with it', async () => {
    const r = await runFixture('capture-endings', { args: ['run', `--pool=${pool}`] })
    expect(r.code, r.output).toBe(0)
    checkScenarios(r, {
      'terminate while busy': { threads: 1, kind: 'worker', endings: ['terminated'] },
      'tinypool destroy while busy': { threads: 1, kind: 'worker', endings: ['terminated'] },
      'piscina destroy while busy': { threads: 1, kind: 'worker', endings: ['terminated'] },
      'process.exit in a worker thread': { threads: 1, kind: 'worker', endings: ['exit'], detail: /code 7/ },
      'uncaught error in a worker thread': { threads: 1, kind: 'worker', endings: ['uncaught'], detail: /boom from worker/ },
    })
    checkSeenReceived(r, 6, 6)
  })
})
