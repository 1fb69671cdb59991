/**
 * Test names: the describe chain and the project tell apart tests that share a name. `should work` in two
 * describe blocks of one file, that file in two projects: four rows, four distinct full names in report.json,
 * and the terminal rows shortened from the middle, so that the project and the test's own name stay.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'
import type { JsonReport } from '../../src/report/schema.js'

const longDescribe = 'with a very long describe name that a terminal table has to shorten somewhere'

test('full names keep project and describe chain, in the JSON and the terminal', async () => {
  const r = await runFixture('names', { env: { COLUMNS: '100' } })
  expect(r.code, r.output).toBe(0)
  const report: JsonReport = JSON.parse(fs.readFileSync(path.join(r.root, '.vitest-profile', 'report', 'report.json'), 'utf8'))
  expect(report.tests.map((t) => t.fullName).sort()).toEqual([
    'alpha › parser › should work',
    `alpha › printer › ${longDescribe} › should work`,
    'beta › parser › should work',
    `beta › printer › ${longDescribe} › should work`,
  ])
  const nested = report.tests.find((t) => t.project === 'beta' && t.suite.length === 2)!
  expect(nested.suite).toEqual(['printer', longDescribe])
  expect(nested.name).toBe(`printer > ${longDescribe} > should work`)
  expect(r.summary!.tests.map((t) => t.fullName).sort()).toEqual(report.tests.map((t) => t.fullName).sort())

  // Table rows (the hot-lines titles below the table carry ' · cpu ').
  const rows = r.output.split('\n').filter((l) => /^ {2}(alpha|beta) › /.test(l) && !l.includes(' · cpu '))
  expect(rows).toHaveLength(4)
  expect(new Set(rows.map((l) => l.slice(0, 50))).size, rows.join('\n')).toBe(4)
  expect(rows.filter((l) => l.startsWith('  alpha › names.test.ts › parser › should work '))).toHaveLength(1)
  // The long one: cut in the middle, project at the start and the test's name at the end.
  const cut = rows.find((l) => l.startsWith('  beta › ') && l.includes('…'))!
  expect(cut).toMatch(/^ {2}beta › names\.test.*….* › should work /)
})
