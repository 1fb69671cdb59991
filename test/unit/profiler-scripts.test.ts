/**
 * What counts as the profiler's own code: its samples are an artefact (counted apart, on no line), and its
 * frames form the '(profiler)' group. One predicate decides both, and it must not catch a user's files.
 */
import { describe, expect, test } from 'vitest'
import { expandSamples } from '../../src/attribution/samples.js'
import type { ThreadRecord } from '../../src/spool/reader.js'
import { groupOf } from '../../src/attribution/locations.js'
import type { V8Profile } from '../../src/spool/format.js'

/** A one-sample profile whose leaf runs in `url` (called from the test file). */
function leafIn(url: string) {
  const frame = (functionName: string, u: string) => ({ functionName, scriptId: '1', url: u, lineNumber: 3, columnNumber: 0 })
  const profile: V8Profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2] },
      { id: 2, callFrame: frame('test', 'file:///proj/x.test.ts'), children: [3] },
      { id: 3, callFrame: frame('inner', url) },
    ],
    startTime: 0,
    endTime: 1000,
    samples: [3],
    timeDeltas: [1000],
  }
  const thread = { chunks: [{ profile, event: { seq: 1 } }] } as unknown as ThreadRecord
  return expandSamples(thread)[0]!.kind
}

describe("the profiler's own scripts", () => {
  test('the bundled agent, the setup file and a bootstrap are ours', () => {
    for (const url of [
      'file:///p/node_modules/vitest-profiler/dist/agent/preload.cjs',
      'file:///p/node_modules/vitest-profiler/dist/agent/meter.cjs',
      'file:///p/node_modules/vitest-profiler/dist/agent/meter-hook.cjs',
      'file:///p/node_modules/vitest-profiler/dist/agent/meter-worker.cjs',
      'file:///p/node_modules/vitest-profiler/dist/agent/setup.js',
      'file:///p/.vitest-profile/bootstrap/20261126T120000-1.cjs',
      'file:///p/.vitest-profile/bootstrap/20261126T120000-1.setup.mjs',
      'file:///p/.vitest-profile/bootstrap/budgets-20261126T120000-1.setup.mjs',
      'file:///p/profiles/bootstrap/20261126T120000-1-2.cjs',
    ]) {
      expect(leafIn(url), url).toBe('artefact')
      expect(groupOf(url), url).toBe('(profiler)')
    }
  })

  test("a user's src/agent/*.ts is the user's work", () => {
    expect(leafIn('file:///proj/src/agent/planner.ts')).toBe('work')
    expect(groupOf('file:///proj/src/agent/planner.ts')).toBeNull()
    expect(leafIn('file:///proj/dist/agent/planner.cjs')).toBe('work')
    expect(leafIn('file:///proj/src/bootstrap/app.cjs')).toBe('work')
  })
})
