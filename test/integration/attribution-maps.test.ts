/**
 * Original lines: a vitest-transformed .ts test file (map captured from vitest's module graph by the reporter)
 * and a pre-built JS worker with a linked .map (read from disk) are both reported at their TypeScript lines,
 * in the JSON report, the terminal, and the rewritten .cpuprofile.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'
import { attributeRun } from '../../src/attribution/pipeline.js'
import { nodeIo } from '../../src/attribution/io.js'
import type { JsonReport } from '../../src/report/schema.js'
import type { V8Profile } from '../../src/spool/format.js'

const marker = (file: string, m: string) => fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(`// LINE:${m}`)) + 1

test('a .ts test file and a pre-built worker are reported at their original lines', async () => {
  const r = await runFixture('attribution-maps')
  expect(r.code, r.output).toBe(0)
  const testLine = marker(path.join(r.root, 'maps.test.ts'), 'test')
  const workerLine = marker(path.join(r.root, 'src/worker.ts'), 'worker')
  const report: JsonReport = JSON.parse(fs.readFileSync(path.join(r.root, '.vitest-profile/report/report.json'), 'utf8'))
  const t = report.tests[0]!
  const top = t.lines.slice(0, 2).map((l) => `${l.file}:${l.line}`).sort()
  expect(top).toEqual([`maps.test.ts:${testLine}`, `src/worker.ts:${workerLine}`].sort())
  expect(t.lines.find((l) => l.file.startsWith('dist/')), 'nothing left on the generated worker').toBeUndefined()
  const w = t.lines.find((l) => l.file === 'src/worker.ts')!
  expect(w.level).toBe('line')
  expect(w.source).toContain('x = (x * 17 + i) % 1000033')
  expect(r.output).toContain(`src/worker.ts:${workerLine}`)
  expect(r.output).toContain(`maps.test.ts:${testLine}`)

  // The test file's map mattered: without it, V8's (transformed) line is a different one.
  const bare = attributeRun(r.run!, { rootDir: r.root, io: nodeIo }).tests[0]!.lines.find((l) => l.file === 'maps.test.ts')
  expect(bare?.line).not.toBe(testLine)

  // The worker's .cpuprofile points DevTools at the TypeScript, with ticks on the original line.
  const profiles = fs.readdirSync(path.join(r.root, '.vitest-profile/report')).filter((f) => f.endsWith('.cpuprofile'))
  const src = pathToFileURL(path.join(r.root, 'src/worker.ts')).href
  const nodes = profiles.flatMap((f) => (JSON.parse(fs.readFileSync(path.join(r.root, '.vitest-profile/report', f), 'utf8')) as V8Profile).nodes)
  const spin = nodes.find((n) => n.callFrame.url === src && n.callFrame.functionName === 'spinWorker')
  expect(spin, 'spinWorker at its .ts URL').toBeDefined()
  expect(spin!.positionTicks?.some((p) => p.line === workerLine)).toBe(true)
})
