/**
 * A file whose tests are all skipped runs none of its hooks, so the setup file's afterAll never flushed its
 * thread, and vitest ends that worker only after the report was read: a false "died unflushed". Its thread is
 * flushed at the end of the file like any other, and its collection is in the report.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'
import type { JsonReport } from '../../src/report/schema.js'
import { checkSeenReceived } from './capture-assert.js'

describe.each(['forks', 'threads'])('a file with every test skipped, pool %s', (pool) => {
  // Several runs: the false warning came from a race with vitest's worker teardown, in most runs, not all.
  test.each([1, 2, 3])('its thread is flushed at the end of the file (run %i)', async () => {
    const r = await runFixture('skipped-file', { args: ['run', `--pool=${pool}`] })
    expect(r.code, r.output).toBe(0)
    expect(r.output).toMatch(/Tests\s+1 passed \| 2 skipped/)
    // What the reporter read at the end of the run (the read-back summary comes later, after vitest ended its
    // workers, which a forks worker flushes on its SIGTERM).
    const report: JsonReport = JSON.parse(fs.readFileSync(path.join(r.root, '.vitest-profile', 'report', 'report.json'), 'utf8'))
    expect(report.threads).toHaveLength(2)
    for (const t of report.threads) expect(t.ending.status, `${t.key}: ${JSON.stringify(t.ending)}`).toBe('flushed')
    expect(report.threadsSeen).toBe(2)
    expect(report.profilesReceived).toBe(2)
    checkSeenReceived(r, 2, 2)
    expect(r.output).not.toContain('ended without flushing')
  })
})
