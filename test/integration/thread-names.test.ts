/**
 * Issue #10, items 7 and 8, on a real run of fixtures/thread-names:
 * - every thread in report.json says what it ran (`entry`) and has a short `title`: workers from a path (named),
 *   a file: URL, eval code and a data: URL, a forked child, tinypool's workers, and vitest's own test threads;
 * - the speedscope file is valid, holds none of the profiler's own frames (its work is one "(profiler
 *   overhead)" frame), and has a line-level profile with the TypeScript line of the hot loop.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { speedscopeProblems } from '../helpers/speedscope-schema.js'
import { isProfilerUrl } from '../../src/attribution/samples.js'
import type { JsonReport, JsonThread } from '../../src/report/schema.js'
import type { SpeedscopeFile } from '../../src/report/speedscope.js'

const marker = (file: string, m: string) => fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(`// LINE:${m}`)) + 1

describe.each(['forks', 'threads'])('thread-names, pool %s', (pool) => {
  let r: FixtureRun
  let report: JsonReport
  beforeAll(async () => {
    r = await runFixture('thread-names', { args: ['run', `--pool=${pool}`] })
    report = JSON.parse(fs.readFileSync(path.join(r.root, '.vitest-profile/report/report.json'), 'utf8'))
  })

  test('each thread says what it ran', () => {
    expect(r.code, r.output).toBe(0)
    const show = (t: JsonThread) => `${t.key} ${t.kind} ${JSON.stringify(t.title)} ${JSON.stringify(t.entry)}`
    const all = report.threads.map(show).join('\n')
    const workerFile = path.join(r.root, 'worker-file.mjs')
    const find = (title: string) => report.threads.filter((t) => t.title === title)
    expect(find('resizer').map((t) => [t.kind, t.entry]), all).toEqual([['worker', workerFile]])
    expect(find('worker-file.mjs').map((t) => [t.kind, t.entry]), all).toEqual([['worker', workerFile]])
    expect(find('[worker eval]').map((t) => t.entry), all).toEqual(["eval: const { parentPort } = require('node:worker_threads') …"])
    expect(find('data: URL').map((t) => t.entry), all).toEqual(["data:text/javascript,import { parentPort } from 'node:worker_threads' …"])
    const child = report.threads.filter((t) => t.kind === 'process')
    expect(child.map((t) => t.entry), all).toEqual([path.join(r.root, 'child.mjs')])
    expect(child[0]!.title, all).toMatch(/^node\S* child\.mjs$/)
    // tinypool's workers, and vitest's own test threads (in the threads pool created by vitest's unprofiled main
    // process, so described by their role event): their script files.
    const pooled = report.threads.filter((t) => t.entry.includes(`${path.sep}tinypool${path.sep}`))
    expect(pooled, all).toHaveLength(2)
    const testThreads = report.threads.filter((t) => t.kind === 'vitest-worker')
    expect(testThreads.length, all).toBeGreaterThanOrEqual(1)
    for (const t of testThreads) {
      expect(t.entry, all).toMatch(/vitest[\\/]dist[\\/].+\.m?js$/)
      expect(t.title.endsWith(path.basename(t.entry)), all).toBe(true)
    }
    for (const t of report.threads) {
      expect(t.entry, show(t)).not.toBe('')
      expect(t.title, show(t)).not.toBe('')
    }
  })

  test('speedscope: valid, no profiler frames, a line-level profile on the TypeScript lines', () => {
    expect(r.code, r.output).toBe(0)
    const file: SpeedscopeFile = JSON.parse(fs.readFileSync(path.join(r.root, '.vitest-profile/report/profile.speedscope.json'), 'utf8'))
    expect(speedscopeProblems(file)).toEqual([])
    // The agent's frames were in what V8 recorded (it runs in every thread: its start, its heartbeat, its
    // flushes)... Which of its functions a sample lands in is the sampler's luck: on Node 22 no sample of
    // several runs landed in flush() or rotate(), which Node 20 and 24 always showed; any of them will do.
    const recorded = new Set<string>()
    for (const t of r.run!.threads.values()) for (const c of t.chunks) for (const n of c.profile.nodes) if (isProfilerUrl(n.callFrame.url)) recorded.add(n.callFrame.functionName)
    expect(recorded.size).toBeGreaterThan(0)
    // ...and none is in the speedscope file: its work shows as one frame.
    const ours = file.shared.frames.filter((f) => /(^|[\\/])dist[\\/]agent[\\/]|(^|[\\/])\.vitest-profile[\\/]bootstrap[\\/]/.test(f.file ?? ''))
    expect(ours).toEqual([])
    expect(file.shared.frames.filter((f) => f.name === '(profiler overhead)')).toHaveLength(1)
    // Function frames with their original file and line; line frames on the hot loop's line.
    const hot = marker(path.join(r.root, 'src/checksum.ts'), 'hot')
    expect(file.shared.frames.find((f) => f.name === 'checksum')).toMatchObject({ file: 'src/checksum.ts', line: expect.any(Number) })
    const lineFrame = file.shared.frames.findIndex((f) => f.name === `checksum src/checksum.ts:${hot}`)
    expect(lineFrame, file.shared.frames.filter((f) => f.name.startsWith('checksum')).map((f) => f.name).join(', ')).toBeGreaterThanOrEqual(0)
    const lines = file.profiles.find((p) => p.name.startsWith('pipeline.test.ts › typescript work and a pool · main') && p.name.endsWith(' · lines'))!
    expect(lines.samples.some((s) => s[s.length - 1] === lineFrame)).toBe(true)
    // Workers' profiles are named by what they ran.
    expect(file.profiles.some((p) => / · worker \d+-\d+ resizer$/.test(p.name))).toBe(true)
  })
})
