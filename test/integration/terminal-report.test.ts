/**
 * The terminal report of a real run at 80 columns (issue #10, items 1-6): fixtures/terminal-report has library
 * work (typescript's transpiler), a retried test whose first attempt failed, two concurrent tests, and two
 * tests that only their describe chains tell apart. test/unit/terminal-report.test.ts covers every width and
 * a large report on recorded runs; this is the same report as a user sees it, from the real vitest.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'
import type { JsonReport } from '../../src/report/schema.js'

/** The report's own lines that are never cut (completeness, files, budgets). */
const NEVER_CUT = /^ {2}(threads\/processes seen|json|cpuprofile|speedscope)|^ {4}\S+ (worker|process|thread)/
const us = (text: string) => Number(text.replace(/m?s$/, '')) * (text.endsWith('ms') ? 1e3 : 1e6)

test('at 80 columns: every line fits, no flag is lost, rows stay apart and add up, library rows read as the package', async () => {
  const r = await runFixture('terminal-report', { env: { COLUMNS: '80' } })
  expect(r.code, r.output).toBe(0)
  const text = r.stdout.slice(r.stdout.indexOf(' vitest-profiler  run'))
  const lines = text.split('\n')
  for (const l of lines) if (!NEVER_CUT.test(l)) expect(l.length, l).toBeLessThanOrEqual(80)

  const table = lines.slice(lines.findIndex((l) => /^ {2}test +wall/.test(l)), lines.indexOf('', lines.findIndex((l) => /^ {2}test +wall/.test(l))))
  const tableText = table.join('\n')
  for (const flag of ['attempt 1', 'failed', 'attempt 2', 'shared with 1 concurrent']) expect(tableText, tableText).toContain(flag)
  const rows = table.filter((l) => /\d+\+\d+$/.test(l))
  const names = rows.map((l) => l.slice(2, l.search(/ {2,}[\d.]+m?s /)).trim())
  const alike = names.filter((n) => n.endsWith('should work'))
  expect(alike, tableText).toHaveLength(2)
  expect(new Set(alike).size, tableText).toBe(2)

  // The typescript test's section: the package's row, with its functions and their own shares.
  const start = lines.findIndex((l) => l.includes('transpiles TypeScript') && !/\d+\+\d+$/.test(l))
  const section = lines.slice(start, lines.indexOf('', start)).join('\n')
  // At 80 columns its functions go on the line below it (no room beside it).
  expect(section, text).toMatch(/^ {4}[\d.]+% ±[\d.]+ +[\d.]+m?s +- +[\d/]+ {2}node_modules\/typescript( {2}| *\n +)top: \S+ [\d.]+(% ±| ?m?s \[\d+ samples)/m)
  // Its rows add up to its CPU (each figure rounded as printed).
  const total = us(/cpu ([\d.]+m?s) \(main/.exec(section)![1]!)
  const figures = section.split('\n').filter((l) => /^ {4}(?!share|main thread|cpu | *top: )/.test(l)).map((l) => us(/^ {4}.{13}\s*([\d.]+m?s)/.exec(l)![1]!))
  expect(Math.abs(figures.reduce((a, b) => a + b, 0) - total), section).toBeLessThanOrEqual(figures.length * 550 + total * 0.01 + 200)

  const report: JsonReport = JSON.parse(fs.readFileSync(path.join(r.root, '.vitest-profile', 'report', 'report.json'), 'utf8'))
  for (const b of [...report.tests, ...report.outside]) {
    expect(Math.abs(b.cpu.linesUs + b.cpu.profilerUs + b.cpu.unsampledUs + b.cpu.nativeUs - b.cpu.totalUs), b.id).toBeLessThanOrEqual(4)
    for (const l of b.lines) if (l.functionTotalUs !== null) expect(l.functionTotalUs, `${b.id} ${l.file}:${l.line}`).toBeGreaterThanOrEqual(l.cpuUs)
  }
  const lib = report.tests.find((t) => t.name.includes('transpiles'))!.lines.find((l) => l.file === 'node_modules/typescript')!
  expect(lib.groupFunctions!.length).toBeGreaterThan(1)
  expect(lib.groupFunctions!.reduce((s, f) => s + f.cpuUs, 0)).toBeLessThanOrEqual(lib.cpuUs)
})
