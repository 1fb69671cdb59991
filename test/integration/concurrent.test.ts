/**
 * test.concurrent: overlapping windows are recorded and reported as shared; with serializeConcurrent the tests of
 * a file run one at a time, their windows do not overlap, and each is attributed exactly.
 */
import { describe, expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'

const windows = (r: Awaited<ReturnType<typeof runFixture>>) => r.run!.threads.flatMap((t) => t.windows).sort((a, b) => a.start - b.start)

describe('test.concurrent', () => {
  test('windows overlap and are marked concurrent (reported as shared)', async () => {
    const r = await runFixture('concurrent')
    expect(r.code, r.output).toBe(0)
    const [a, b] = windows(r)
    expect(a && b).toBeTruthy()
    expect(b!.start, 'the second test started before the first ended').toBeLessThan(a!.end)
    expect(a!.concurrent && b!.concurrent).toBe(true)
    expect(r.summary!.tests.every((t) => t.concurrent)).toBe(true)
  })

  test('serializeConcurrent runs them one at a time: no overlap, nothing shared', async () => {
    const r = await runFixture('concurrent', { via: 'vitest', args: ['run', '--config', 'vitest.serial.config.ts', '--mode', 'profile'] })
    expect(r.code, r.output).toBe(0)
    const [a, b] = windows(r)
    expect(b!.start).toBeGreaterThanOrEqual(a!.end)
    expect(a!.concurrent || b!.concurrent).toBe(false)
    for (const t of r.summary!.tests) expect(t.samplesMain, t.name).toBeGreaterThan(20)
  })
})
