import { expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'

// Issue #9.2: a worker being terminated posts nothing more under profiling than it could without it.
// Failed before the fix (3 of 3 tests, every run): "Unexpected message from Worker: { taskId: 0, … }" as an unhandled
// error and exit code 1 in every profiled run (plain: exit 0), because the flush before terminate() let the
// task finish and post its result.
test('a pool that terminates a misbehaving worker gets no message from it afterwards', async () => {
  const plain = await runFixture('pool-messages', { via: 'vitest' })
  expect(plain.code, plain.output).toBe(0)
  for (let i = 0; i < 2; i++) {
    const profiled = await runFixture('pool-messages')
    expect(profiled.output).not.toContain('Unexpected message from Worker')
    expect(profiled.code, profiled.output).toBe(0)
    // tinypool replaces the removed worker, and destroy() may end the new one while our agent starts in it.
    expect(profiled.summary!.threadsSeen).toBe(profiled.summary!.profilesReceived + profiled.summary!.endedBeforeRunning)
  }
})
