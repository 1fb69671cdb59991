import { expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'

// Issue #9.8: a worker that dies without running any of our code says why and bounds its loss. Before: "ended
// without flushing", with no cause and no bound (its parent recorded nothing of its exit).
test('a worker killed by its resourceLimits: its exit code and the most it lost', async () => {
  const r = await runFixture('worker-oom')
  expect(r.code, r.output).toBe(0)
  expect(r.output).toMatch(/\d+-\d+ worker: ended without flushing \(exit code 1, e\.g\. its resourceLimits\) \(lost at most \d+\.\dms after its last flush\)/)
})
