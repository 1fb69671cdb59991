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
      // 'unflushed' only when the SIGTERM meets the child's busy mode (watchdog.ts): it then keeps all but the
      // last <= 250 ms, and its work samples are still checked below.
      'tinypool child_process runtime': { threads: 1, kind: 'process', endings: ['signal', 'unflushed'], detail: /SIGTERM/ },
      'SIGTERM to a child': { threads: 1, kind: 'process', endings: ['signal'], detail: /SIGTERM/ },
      'SIGKILL to a child': { threads: 1, kind: 'process', endings: ['unflushed'] },
      // Killed by the signal's default action while busy (our handler was off): its samples up to the
      // watchdog's last flush are kept.
      'SIGTERM to a child busy in one synchronous loop': { threads: 1, kind: 'process', endings: ['unflushed'] },
      'SIGKILL to a child busy in one synchronous loop': { threads: 1, kind: 'process', endings: ['unflushed'] },
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

    // A child busy in one synchronous loop since it started: its own timer never ran, the watchdog flushed it.
    const busy = byTest.get('SIGKILL to a child busy in one synchronous loop')![0]!
    if (busy.ending.status !== 'unflushed') throw new Error('expected unflushed')
    expect(busy.ending.signal).toBe('SIGKILL')
    expect(busy.record.chunks.length, 'the watchdog flushed the busy child').toBeGreaterThan(0)
    const busyLostUs = busy.ending.diedAtUs! - busy.ending.lastFlushUs!
    // It spun ~2.7 s; with a flush every 1 s at most about one interval (plus scheduling slack) is lost.
    expect(busyLostUs).toBeLessThan(1_800_000)
    const term = byTest.get('SIGTERM to a child busy in one synchronous loop')![0]!
    if (term.ending.status !== 'unflushed') throw new Error('expected unflushed')
    expect(term.ending.signal).toBe('SIGTERM')
    // Three died by signal with no chance to flush; the tinypool child too if its SIGTERM met its busy mode.
    checkSeenReceived(r, 9, 9, tinypoolChild.ending.status === 'unflushed' ? 4 : 3)
  })
})
