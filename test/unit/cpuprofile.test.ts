/**
 * The .cpuprofile of each thread on a recorded run (test/recorded/maps-run, as speedscope.test.ts): none of the
 * profiler's own frames in it, its work one "(profiler overhead)" leaf on exactly the samples the terminal
 * counts as overhead, and every sample kept (the same count and total time as the thread's samples).
 * Failed before: the agent's rotate/flush/writeChunk frames were in the tree, with ticks on our lines.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { readRun } from '../../src/spool/reader.js'
import { attributeRun } from '../../src/attribution/pipeline.js'
import { loadCapturedMaps, nodeIo } from '../../src/attribution/io.js'
import { isProfilerUrl } from '../../src/attribution/samples.js'
import { threadProfile } from '../../src/report/cpuprofile.js'
import { PROFILER_OVERHEAD } from '../../src/report/frames.js'
import { repoRoot } from '../helpers/run-fixture.js'
import { materializeRecording } from '../helpers/recorded.js'

const runDir = materializeRecording('maps-run')
afterAll(() => fs.rmSync(runDir, { recursive: true, force: true }))
const a = attributeRun(readRun(runDir), { rootDir: path.join(repoRoot, 'fixtures/attribution-maps'), capturedMaps: loadCapturedMaps(runDir), io: nodeIo })
const threads = a.threads.filter((t) => t.samples.length > 0)
const profiles = threads.map((t) => threadProfile(a, t))

test("no frame of the profiler's own scripts; its work is one leaf, on the samples the terminal counts as overhead", () => {
  // The recording has them: the agent's flushes ran in these threads.
  const agentNames = new Set<string>()
  for (const t of a.threads) for (const s of t.samples) for (let st = s.stack; st; st = st.parent) if (isProfilerUrl(st.callFrame.url)) agentNames.add(st.callFrame.functionName)
  expect([...agentNames]).toEqual(expect.arrayContaining(['rotate', 'flush', 'writeChunk']))
  const nodes = profiles.flatMap((p) => p.nodes)
  expect(nodes.filter((n) => isProfilerUrl(n.callFrame.url)).map((n) => n.callFrame.functionName)).toEqual([])
  const overhead = nodes.filter((n) => n.callFrame.functionName === PROFILER_OVERHEAD)
  // A leaf, without line ticks: its lines are ours.
  expect(overhead.every((n) => !n.children?.length && !n.positionTicks)).toBe(true)
  const buckets = [...a.tests, ...a.outside, ...a.unattributed]
  const artefacts = buckets.reduce((n, b) => n + b.threads.reduce((m, t) => m + t.samples.filter((x) => x.kind === 'artefact').length, 0), 0)
  expect(artefacts).toBeGreaterThan(0)
  expect(overhead.reduce((n, o) => n + (o.hitCount ?? 0), 0)).toBe(artefacts)
})

test('every sample kept, in order, with its time', () => {
  profiles.forEach((p, i) => {
    const t = threads[i]!
    expect(p.samples!.length).toBe(t.samples.length)
    expect(p.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0)).toBe(t.samples.length)
    expect(p.timeDeltas!.every((d) => d >= 0)).toBe(true)
  })
})
