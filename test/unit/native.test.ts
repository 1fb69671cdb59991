/**
 * Processes that are not Node, on a recorded run of fixtures/native-children (`vitest-profile run`; interval
 * chunks dropped, paths replaced by @REPO@): which spawns count as such, where their OS CPU goes, and how the
 * report says it. The figures are the recording's own (`child-exit`, `child-cpu`, `spawn-sync` events).
 */
import * as fs from 'node:fs'
import { afterAll, describe, expect, test } from 'vitest'
import { readRun } from '../../src/spool/reader.js'
import { attributeRun } from '../../src/attribution/pipeline.js'
import { interpolate, nativeByBucket } from '../../src/attribution/native.js'
import { buildReport } from '../../src/report/model.js'
import { formatTerminal } from '../../src/report/terminal.js'
import { materializeRecording } from '../helpers/recorded.js'

const runDir = materializeRecording('native-run')
const a = attributeRun(readRun(runDir))
afterAll(() => fs.rmSync(runDir, { recursive: true, force: true }))
const byName = (name: string) => a.windows.windows.find((w) => w.event.name === name)!
const nativeOf = (name: string) => nativeByBucket(a.tree, a.windows).get(`test:${byName(name).thread}:${byName(name).key}`) ?? []

describe('the thread tree', () => {
  test('six processes that are not Node, none of them missing', () => {
    const program = (c: string) => c.split(' ')[0]!.split('/').pop()
    expect(a.tree.native.map((p) => [p.sync, program(p.command), p.parent]).sort()).toEqual([
      [false, 'esbuild', '7321-0'],
      [false, 'esbuild', '7321-2'],
      [false, 'sh', '7321-0'],
      [false, 'sh', '7321-0'],
      [true, 'sh', '7321-0'],
      [true, 'sh', '7321-0'],
    ])
    expect(a.tree.missing).toEqual([])
    // esbuild's worker thread spawned the second service: its CPU goes to the worker's test thread.
    expect(a.tree.native.every((p) => p.root === '7321-0')).toBe(true)
  })

  test('a shell that started a profiled Node process wraps it: its CPU is that process\'s, not counted again', () => {
    const sh = a.tree.native.find((p) => p.command.includes('burn.mjs'))!
    expect(sh.wraps).toEqual(['7474-0'])
    expect(sh.cpuUs).toBe(420_000)
    // (The esbuild service's idle tail, read on the parent's timer, is all that this test gets.)
    expect(nativeOf('node started by sh').filter((n) => n.command.includes('burn.mjs'))).toEqual([])
    expect(nativeOf('node started by sh').reduce((s, n) => s + n.cpuUs, 0)).toBeLessThan(20_000)
  })

  test('a long-lived service with no exit has its last reading as its CPU so far', () => {
    const service = a.tree.native.find((p) => p.parent === '7321-2')!
    expect(service.to).toBeNull()
    expect(service.cpuUs).toBe(service.readings[service.readings.length - 1]!.cpu)
    expect(service.readings[0]).toEqual({ at: service.from, cpu: 0 })
  })
})

describe('into buckets', () => {
  test('a child spawned and awaited inside a test: all of its CPU on that test, exactly', () => {
    expect(nativeOf('async spawn of sh').map((n) => n.cpuUs)).toEqual([260_000])
    expect(nativeOf('execSync of sh').map((n) => n.cpuUs)).toEqual([500_000])
    expect(nativeOf('spawnSync of sh').map((n) => n.cpuUs)).toEqual([280_000])
    expect(nativeOf('spawns nothing')).toEqual([])
  })

  test('the esbuild services: nearly all on the test that used each', () => {
    const transform = nativeOf('esbuild transform (its service process)')
    const first = a.tree.native.find((p) => p.parent === '7321-0' && p.command.includes('esbuild'))!
    expect(transform[0]!.pid).toBe(first.pid)
    expect(transform[0]!.cpuUs).toBeGreaterThan(first.cpuUs! * 0.95)
    const buildSync = nativeOf('esbuild buildSync (a worker thread and its service process)')
    expect(buildSync[0]!.cpuUs).toBeGreaterThan(1_000_000)
  })

  test('every microsecond of an attributed process lands in exactly one bucket (no concurrent windows here)', () => {
    const total = new Map<number, number>()
    for (const list of nativeByBucket(a.tree, a.windows).values()) for (const n of list) total.set(n.process, (total.get(n.process) ?? 0) + n.cpuUs)
    a.tree.native.forEach((p, i) => {
      if (p.wraps.length) expect(total.has(i)).toBe(false)
      else expect(total.get(i)).toBeCloseTo(p.cpuUs!, 3)
    })
  })

  test('interpolation between readings', () => {
    const r = [
      { at: 100, cpu: 0 },
      { at: 200, cpu: 50 },
      { at: 300, cpu: 50 },
    ]
    expect([interpolate(r, 0), interpolate(r, 150), interpolate(r, 250), interpolate(r, 1e9)]).toEqual([0, 25, 50, 50])
  })
})

describe('the report', () => {
  const report = buildReport(a)
  test('report.json: seen counts them; each says it has no lines; a test carries its part', () => {
    expect(report.threadsSeen).toBe(9)
    // 2: the recording kept only the final and file-end chunks, and esbuild's worker thread has none of those.
    expect(report.profilesReceived).toBe(3)
    expect(report.native.map((p) => p.cpuSource).sort()).toEqual(['node-children', 'os', 'os', 'os', 'os', 'os'])
    expect(report.native.every((p) => p.hasLines === false)).toBe(true)
    const t = report.tests.find((b) => b.name === 'async spawn of sh')!
    expect(t.native).toEqual([{ name: '(not Node) sh -c i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; times', command: expect.any(String), pid: expect.any(Number), cpuUs: 260_000, share: expect.any(Number), samples: 0, hasLines: false }])
    expect(t.cpu.nativeUs).toBe(260_000)
    expect(t.cpu.totalUs).toBe(t.cpu.mainUs + t.cpu.workersUs)
    expect(t.native[0]!.share).toBeCloseTo(260_000 / t.cpu.totalUs, 3)
    // The sampled lines' shares are of the whole test, the native part included.
    const lineShares = t.lines.reduce((s, l) => s + (l.share.value ?? l.cpuUs / t.cpu.totalUs), 0)
    expect(lineShares + t.native[0]!.share).toBeLessThanOrEqual(1.0001)
  })

  test('a child whose CPU is unknown: said why (its exit was not seen, or no OS reading); a wrapping shell is not one', () => {
    const unknownNote = (r: ReturnType<typeof buildReport>) => r.notes.filter((n) => n.startsWith('CPU unknown for'))
    expect(unknownNote(report)).toEqual([])
    const service = a.tree.native.find((p) => p.parent === '7321-2')!
    const wrapper = a.tree.native.find((p) => p.wraps.length > 0)!
    const sync = a.tree.native.find((p) => p.sync)!
    const changed = (p: (typeof a.tree.native)[number]) =>
      p === service ? { ...p, cpuUs: null, readings: [] } : p === wrapper ? { ...p, cpuUs: null, to: null } : p === sync ? { ...p, cpuUs: null } : p
    const r = buildReport({ ...a, tree: { ...a.tree, native: a.tree.native.map(changed) } })
    // (On a recorded Linux run the note said "no OS reading on this platform" for all of them, the shell too.)
    expect(unknownNote(r)).toEqual([
      'CPU unknown for 2 process(es) that are not Node (1 still running when the thread that started it ended: no exit seen, no reading; 1 with no OS reading on this platform: only their wall time is known)',
    ])
  })

  test('the terminal: the count in words, and a row with CPU and no lines', () => {
    const text = formatTerminal(report, { color: false, width: 160, topLines: 5, files: [] })
    expect(text).toContain('threads/processes seen: 9 (6 not Node: CPU from the OS, no lines; 1 started Node, counted there), profiles received: 3')
    expect(text).toMatch(/\n\s+\d+\.\d%\s+260ms\s+-\s+0\/100\s+\(not Node\) sh -c i=0; while .* \(CPU from the OS, no lines\)\n/)
    expect(text).toMatch(/\(not Node\) esbuild --service=0\.28\.2 --ping \(CPU from the OS, no lines\)/)
  })
})
