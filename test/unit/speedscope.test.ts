/**
 * The speedscope file on a recorded run (test/recorded/maps-run: fixtures/attribution-maps, a .ts test file and
 * a pre-built worker with its .map; see golden.test.ts): valid by the format's schema, none of the profiler's
 * own frames in it (its work is one "(profiler overhead)" frame, on exactly the samples the terminal counts as
 * overhead), and a line-level profile beside each function-level one, on the original TypeScript lines.
 * Golden dump: test/recorded/maps-run.golden/6-speedscope.txt (UPDATE_GOLDEN=1 rewrites it; review the diff).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { readRun } from '../../src/spool/reader.js'
import { attributeRun } from '../../src/attribution/pipeline.js'
import { loadCapturedMaps, nodeIo } from '../../src/attribution/io.js'
import { isProfilerUrl } from '../../src/attribution/samples.js'
import { LINES_SUFFIX, deal, speedscopeFile, type SampledProfile, type SpeedscopeFile } from '../../src/report/speedscope.js'
import { PROFILER_OVERHEAD } from '../../src/report/frames.js'
import { repoRoot } from '../helpers/run-fixture.js'
import { materializeRecording } from '../helpers/recorded.js'
import { speedscopeProblems } from '../helpers/speedscope-schema.js'

const runDir = materializeRecording('maps-run')
afterAll(() => fs.rmSync(runDir, { recursive: true, force: true }))
const a = attributeRun(readRun(runDir), { rootDir: path.join(repoRoot, 'fixtures/attribution-maps'), capturedMaps: loadCapturedMaps(runDir), io: nodeIo })
const file = speedscopeFile(a)
const ms = (us: number) => `${(us / 1000).toFixed(1)}ms`

/** Self weight per leaf frame name, heaviest first. */
function leaves(ss: SpeedscopeFile, p: SampledProfile): [string, number][] {
  const by = new Map<string, number>()
  p.samples.forEach((s, i) => {
    const leaf = s.length ? ss.shared.frames[s[s.length - 1]!]!.name : '(empty)'
    by.set(leaf, (by.get(leaf) ?? 0) + p.weights[i]!)
  })
  return [...by].sort((x, y) => y[1] - x[1])
}

/** For review: per profile its samples, weight, overhead, and heaviest leaves. */
function dump(ss: SpeedscopeFile): string {
  const out = [`frames ${ss.shared.frames.length}, profiles ${ss.profiles.length}`]
  for (const p of ss.profiles) {
    const total = p.weights.reduce((s, w) => s + w, 0)
    const top = leaves(ss, p).slice(0, 5)
    out.push(`${p.name}: samples=${p.samples.length} weight=${ms(total)}`)
    for (const [name, w] of top) out.push(`  ${ms(w).padStart(9)}  ${name}`)
  }
  return out.join('\n')
}

describe('speedscope file of a recorded run', () => {
  test('valid by the speedscope schema', () => {
    expect(speedscopeProblems(JSON.parse(JSON.stringify(file)))).toEqual([])
    // The check itself catches what speedscope would reject.
    const broken = JSON.parse(JSON.stringify(file))
    broken.profiles[0].weights.pop()
    broken.profiles[1].samples[0] = [file.shared.frames.length]
    delete broken.shared.frames[0].name
    expect(speedscopeProblems(broken)).toHaveLength(3)
  })

  test("none of the profiler's frames; its work is one frame, on the samples the terminal counts as overhead", () => {
    // The recording has them: the agent's flushes ran in these threads.
    const agentNames = new Set<string>()
    for (const t of a.threads) for (const s of t.samples) for (let st = s.stack; st; st = st.parent) if (isProfilerUrl(st.callFrame.url)) agentNames.add(st.callFrame.functionName)
    expect([...agentNames]).toEqual(expect.arrayContaining(['rotate', 'flush', 'writeChunk']))
    const ours = file.shared.frames.filter((f) => /(^|\/)dist\/agent\/|(^|\/)\.vitest-profile\/bootstrap\//.test(f.file ?? ''))
    expect(ours).toEqual([])
    const overhead = file.shared.frames.findIndex((f) => f.name === PROFILER_OVERHEAD)
    const fnProfiles = file.profiles.filter((p) => !p.name.endsWith(LINES_SUFFIX))
    const shown = fnProfiles.reduce((n, p) => n + p.samples.filter((st) => st[st.length - 1] === overhead).length, 0)
    // Only the leaf: never in the middle of a stack.
    expect(file.profiles.every((p) => p.samples.every((st) => st.indexOf(overhead) === -1 || st.indexOf(overhead) === st.length - 1))).toBe(true)
    const buckets = [...a.tests, ...a.outside, ...a.unattributed]
    const artefacts = buckets.reduce((n, b) => n + b.threads.reduce((m, t) => m + t.samples.filter((x) => x.kind === 'artefact').length, 0), 0)
    expect(shown).toBeGreaterThan(0)
    expect(shown).toBe(artefacts)
  })

  test('frames carry their original file and line; a line-level profile beside each function-level one', () => {
    const frame = (name: string) => file.shared.frames.find((f) => f.name === name)!
    // The worker runs pre-built dist/worker.js: its frame is mapped to the TypeScript.
    expect(frame('spinWorker')).toMatchObject({ file: 'src/worker.ts', line: expect.any(Number), col: expect.any(Number) })
    expect(frame('spinMain')).toMatchObject({ file: 'maps.test.ts', line: expect.any(Number) })
    expect(frame('spinWorker src/worker.ts:14')).toEqual({ name: 'spinWorker src/worker.ts:14', file: 'src/worker.ts', line: 14 })
    expect(frame('spinMain maps.test.ts:22')).toEqual({ name: 'spinMain maps.test.ts:22', file: 'maps.test.ts', line: 22 })
    for (let i = 0; i < file.profiles.length; i += 2) {
      const fn = file.profiles[i]!
      const lines = file.profiles[i + 1]!
      expect(lines.name).toBe(fn.name + LINES_SUFFIX)
      expect([lines.startValue, lines.endValue]).toEqual([fn.startValue, fn.endValue])
      // The same samples, each on one of its function's lines: only the leaf differs.
      expect(lines.weights).toEqual(fn.weights)
      lines.samples.forEach((st, j) => expect(st.slice(0, -1)).toEqual(fn.samples[j]!.slice(0, -1)))
    }
    // Dealt by the histogram: a node's lines get their share of its samples' time (to within a sample or so).
    const worker = file.profiles.findIndex((p) => p.name.includes('· worker') && !p.name.endsWith(LINES_SUFFIX))
    const node = a.tests[0]!.threads.find((t) => !t.isMain)!.samples.find((s) => s.node.callFrame.functionName === 'spinWorker')!.node
    const selfLines = a.locator.locate(node).selfLines.filter((l) => l.level === 'line')
    const byLeaf = new Map(leaves(file, file.profiles[worker + 1]!))
    const nodeUs = a.tests[0]!.threads.find((t) => !t.isMain)!.samples.filter((s) => s.node === node).reduce((x, s) => x + Math.round(s.weight), 0)
    for (const l of selfLines) expect(Math.abs((byLeaf.get(`spinWorker ${l.file}:${l.line}`) ?? 0) - l.fraction * nodeUs)).toBeLessThan(5000)
  })

  test('golden dump', () => {
    const goldenFile = path.join(repoRoot, 'test/recorded/maps-run.golden/6-speedscope.txt')
    const actual = dump(file).replaceAll(repoRoot.replace(/\/$/, ''), '@REPO@') + '\n'
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(goldenFile, actual)
    expect(actual).toBe(fs.readFileSync(goldenFile, 'utf8'))
  })
})

describe('line-level profile', () => {
  test("a node's samples are dealt to its lines by its histogram, each line within a sample of its share", () => {
    const d = { parts: [0.5, 0.3, 0.2].map((fraction, i) => ({ stack: [i], fraction })), given: [0, 0, 0], total: 0 }
    const got = [0, 0, 0]
    for (let i = 0; i < 100; i++) {
      const w = i % 3 === 0 ? 40 : 10
      got[deal(d, w)[0]!]! += w
    }
    const total = got.reduce((x, y) => x + y, 0)
    got.forEach((g, i) => expect(Math.abs(g - d.parts[i]!.fraction * total)).toBeLessThanOrEqual(40))
  })

  // hot-loop-run (see hot-loop-lines.test.ts): TurboFan inlined the task `f` into tinypool's message handler,
  // and V8 put f's line on the handler's node. The line-level profile shows it as f's line, under the handler.
  test("a callee's line V8 put on its caller is shown as the callee's", () => {
    const dir = materializeRecording('hot-loop-run')
    try {
      const hot = attributeRun(readRun(dir), { rootDir: path.join(repoRoot, 'fixtures/hot-loop-lines'), io: nodeIo })
      const ss = speedscopeFile(hot)
      expect(speedscopeProblems(JSON.parse(JSON.stringify(ss)))).toEqual([])
      const p = ss.profiles.find((x) => x.name.startsWith('pools.test.ts › worker_threads many items · worker') && x.name.endsWith(LINES_SUFFIX))
      expect(p, ss.profiles.map((x) => x.name).join('\n')).toBeDefined()
      const [top] = leaves(ss, p!)
      expect(top![0]).toBe('f f.mjs:5')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
