/**
 * Hot loops' lines, on a recorded run of fixtures/hot-loop-lines (`vitest-profile run -t "many items"`, Node 20;
 * the test thread's chunks dropped, paths replaced by @REPO@): a tinypool pool (worker thread, and the
 * child_process runtime) maps f.mjs's tiny `f` over 3000 items. TurboFan inlined `f` into tinypool's message
 * handler, and V8 then charged most of the loop's samples to the HANDLER's node with f's line
 * (`worker.js (anonymous) ln=41 positionTicks [{ line: 5, ticks: 676 }]`, `process.js onMessage ln=32
 * [{ line: 5, ticks: 740 }]`, while f's own nodes had 288 and 304 ticks on line 5). Those samples belong on
 * f.mjs:5, in f.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { readRun } from '../../src/spool/reader.js'
import { attributeRun } from '../../src/attribution/pipeline.js'
import { buildReport } from '../../src/report/model.js'
import { nodeIo } from '../../src/attribution/io.js'
import { formatTerminal } from '../../src/report/terminal.js'
import { Locator } from '../../src/attribution/locations.js'
import { SourceMaps } from '../../src/attribution/source-maps.js'
import type { ThreadCode } from '../../src/attribution/samples.js'
import type { V8ProfileNode } from '../../src/spool/format.js'
import { repoRoot } from '../helpers/run-fixture.js'
import { materializeRecording } from '../helpers/recorded.js'

const runDir = materializeRecording('hot-loop-run')
afterAll(() => fs.rmSync(runDir, { recursive: true, force: true }))
const rootDir = path.join(repoRoot, 'fixtures/hot-loop-lines')
const a = attributeRun(readRun(runDir), { rootDir, io: nodeIo })
const report = buildReport(a)

describe('a pool task inlined into the pool', () => {
  for (const name of ['worker_threads many items', 'child_process many items']) {
    test(`${name}: the loop's samples are on f.mjs:5 in f, not on the pool's lines`, () => {
      const t = report.tests.find((b) => b.name === name)!
      const fLines = t.lines.filter((l) => l.file === 'f.mjs')
      const loop = fLines.find((l) => l.line === 5)!
      expect(loop, JSON.stringify(t.lines.slice(0, 5))).toBeDefined()
      expect(loop.function).toBe('f')
      expect(loop.level).toBe('line')
      // f's own ticks (288 / 304) plus those V8 put on the handler (676 / 740): well over half of the workers' CPU.
      expect(loop.share.samples).toBeGreaterThan(900)
      // Nothing on f's declaration line, and the pool's own group keeps only its own work.
      expect(fLines.filter((l) => l.line === 3).reduce((s, l) => s + l.share.samples, 0)).toBeLessThan(5)
      const pool = t.lines.filter((l) => l.package === 'node_modules/tinypool').reduce((s, l) => s + l.cpuUs, 0)
      expect(pool).toBeLessThan(loop.cpuUs / 4)
      // The function figures agree: f's self holds the loop.
      const f = t.functions.find((fn) => fn.name === 'f' && fn.file === 'f.mjs')!
      expect(f.selfUs).toBeGreaterThanOrEqual(loop.cpuUs * 0.99)
      expect(f.totalUs).toBeGreaterThanOrEqual(f.selfUs)
    })
  }

  test('the report shows the loop line with its source', () => {
    const text = formatTerminal(report, { color: false, width: 140, topLines: 3, files: [] })
    expect(text).toMatch(/f\.mjs:5 .*s = \(s \* 31 \+ i\) % 1000003/)
    expect(text).not.toMatch(/f\.mjs:3 /)
  })
})

describe('V8 gives no line', () => {
  const cf = (functionName: string, lineNumber: number, url = 'file:///x/a.mjs') => ({ functionName, scriptId: '1', url, lineNumber, columnNumber: 0 })
  const locator = () => new Locator(new SourceMaps({}, { readText: () => null }), '/x')

  test('a node with samples and no positionTicks is "none" on its function, named in the report notes', () => {
    const l = locator()
    const node: V8ProfileNode = { id: 2, callFrame: cf('f', 2), hitCount: 40 }
    const got = l.locate(node)
    expect(got.selfLines).toEqual([expect.objectContaining({ level: 'none', line: 3, fraction: 1 })])
    expect([...l.noLineFunctions.values()].map((f) => f.functionName)).toEqual(['f'])
  })

  test('a line before the declaration, with no callee that ran it, is "none"; with one callee, it is the callee\'s', () => {
    const outer = cf('handler', 40, 'file:///x/pool.mjs')
    const inner = cf('f', 2)
    const code: ThreadCode = {
      callees: new Map([[`${outer.url}\n40\n0\nhandler`, new Set([`${inner.url}\n2\n0\nf`])]]),
      frames: new Map([
        [`${outer.url}\n40\n0\nhandler`, { callFrame: outer, lines: new Set([5, 45]) }],
        [`${inner.url}\n2\n0\nf`, { callFrame: inner, lines: new Set([5]) }],
      ]),
    }
    const node: V8ProfileNode = { id: 3, callFrame: outer, hitCount: 10, positionTicks: [{ line: 5, ticks: 6 }, { line: 7, ticks: 2 }, { line: 45, ticks: 2 }] }
    const got = locator().locate(node, code).selfLines
    expect(got.map((s) => [s.file, s.line, s.level, s.inlined?.functionName ?? null, s.fraction])).toEqual([
      ['a.mjs', 5, 'line', 'f', 0.6],
      ['pool.mjs', 41, 'none', null, 0.2],
      ['pool.mjs', 45, 'line', null, 0.2],
    ])
  })
})
