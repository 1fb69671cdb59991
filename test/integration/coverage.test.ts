/**
 * Issue #10.9: with --coverage (@vitest/coverage-v8), V8's precise coverage changes the code that runs and hot
 * lines move (onto the test's own line, seen on the example). The report says so when coverage is on, and
 * only then; coverage itself and the outcome are vitest's.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'
import type { JsonReport } from '../../src/report/schema.js'

const readReport = (root: string): JsonReport => JSON.parse(fs.readFileSync(path.join(root, '.vitest-profile', 'report', 'report.json'), 'utf8'))

test('coverage on: a note in the report and on the terminal; off: none', async () => {
  const covered = await runFixture('coverage', {
    args: ['run', '--coverage.enabled', '--coverage.provider=v8', '--coverage.reporter=json-summary', '--coverage.reportsDirectory=.vitest-profile/coverage'],
  })
  expect(covered.code, covered.output).toBe(0)
  expect(fs.existsSync(path.join(covered.root, '.vitest-profile', 'coverage', 'coverage-summary.json')), covered.output).toBe(true)
  expect(readReport(covered.root).notes.find((n) => n.startsWith('coverage is on (v8)'))).toMatch(/hot lines can move/)
  expect(covered.output).toMatch(/note: coverage is on \(v8\)/)

  const plain = await runFixture('coverage', { args: ['run'] })
  expect(plain.code, plain.output).toBe(0)
  expect(readReport(plain.root).notes.some((n) => n.includes('coverage'))).toBe(false)
})
