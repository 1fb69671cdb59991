/**
 * Retries and repeats: each attempt of a test is a window of its own, numbered, with the state of that attempt.
 * A test that fails once and passes on its retry is one failed and one passed attempt, not two failures.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'
import type { JsonReport } from '../../src/report/schema.js'

test('each attempt is its own window with its own number and state', async () => {
  const r = await runFixture('retries', { env: { COLUMNS: '100' } })
  expect(r.code, r.output).toBe(0)
  const windows = r.run!.threads.flatMap((t) => t.windows).map((w) => `${w.name} #${w.attempt} ${w.state} retry=${w.retry}`)
  expect(windows.sort()).toEqual(['flaky #1 fail retry=0', 'flaky #2 pass retry=1', 'repeated #1 pass retry=0', 'repeated #2 pass retry=0'])

  const report: JsonReport = JSON.parse(fs.readFileSync(path.join(r.root, '.vitest-profile', 'report', 'report.json'), 'utf8'))
  const rows = report.tests.map((t) => `${t.name} ${t.attempt} ${t.state}`).sort()
  expect(rows).toEqual(['flaky 1 fail', 'flaky 2 pass', 'repeated 1 pass', 'repeated 2 pass'])
  expect(new Set(report.tests.map((t) => t.id)).size).toBe(4)

  expect(r.output).toMatch(/^ {2}retries\.test\.ts › flaky \(attempt 1, failed\) /m)
  expect(r.output).toMatch(/^ {2}retries\.test\.ts › flaky \(attempt 2\) /m)
  expect(r.output).toMatch(/^ {2}retries\.test\.ts › repeated \(attempt 2\) /m)
})
