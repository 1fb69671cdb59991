import { describe, expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'
import { checkScenarios, checkSeenReceived, spinSampleTimes } from './capture-assert.js'

// Child processes: fork, spawn(process.execPath), spawn('node'), tinypool's child_process runtime (env replaced:
// joined by the parent's spawn record), SIGTERM (flushed in the handler, signal re-raised) and SIGKILL
// (recorded as died unflushed, with the loss bound).
describe.each(['forks', 'threads'])('capture-processes, pool %s', (pool) => {
  test('every process has its profile and an ending; SIGKILL is reported with its loss bound', async () => {
    const r = await runFixture('capture-processes', { args: ['run', `--pool=${pool}`] })
    expect(r.code, r.output).toBe(0)
    const byTest = checkScenarios(r, {
      fork: { threads: 1, kind: 'process', endings: ['exit'], detail: /code 0/ },
      'spawn process.execPath': { threads: 1, kind: 'process', endings: ['exit'], detail: /code 0/ },
      "spawn 'node'": { threads: 1, kind: 'process', endings: ['exit'], detail: /code 0/ },
      'tinypool child_process runtime': { threads: 1, kind: 'process', endings: ['signal'], detail: /SIGTERM/ },
      'SIGTERM to a child': { threads: 1, kind: 'process', endings: ['signal'], detail: /SIGTERM/ },
      'SIGKILL to a child': { threads: 1, kind: 'process', endings: ['unflushed'] },
    })
    const tinypoolChild = byTest.get('tinypool child_process runtime')![0]!
    expect(tinypoolChild.record.start.entry).toMatch(/tinypool/)

    const killed = byTest.get('SIGKILL to a child')![0]!
    expect(killed.ending.status).toBe('unflushed')
    if (killed.ending.status !== 'unflushed') return
    expect(killed.ending.signal).toBe('SIGKILL')
    // What it sampled before its last interval flush is kept; only the tail after it is lost.
    expect(killed.record.chunks.length).toBeGreaterThan(0)
    expect(spinSampleTimes(killed.record).length).toBeGreaterThan(10)
    const lostUs = killed.ending.diedAtUs! - killed.ending.lastFlushUs!
    expect(lostUs).toBeGreaterThan(0)
    const summaryThread = r.summary!.threads.find((t) => t.key === killed.record.key)!
    expect(summaryThread.ending.status).toBe('unflushed')
    expect(r.output).toMatch(new RegExp(`${killed.record.key} process: ended without flushing by SIGKILL \\(lost at most \\d+\\.\\dms after its last flush\\)`))
    checkSeenReceived(r, 7, 7, 1)
  })
})
