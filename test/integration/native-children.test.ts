/**
 * Processes that are not Node (a shell loop, esbuild's service process, asynchronously and synchronously
 * spawned) run no agent: they used to vanish from the report, counted nowhere. They are counted in "seen", their
 * CPU from the OS goes to the test that spawned them (within a loose bound of what each measured of itself), and
 * the report says that they have no lines. A Node process started through `sh -c` counts by its own clocks only.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'
import type { JsonReport } from '../../src/report/schema.js'

const linux = process.platform === 'linux'

test.runIf(linux)('native children: counted, their OS CPU on the test that spawned them, no lines', async () => {
  const r = await runFixture('native-children', { timeoutMs: 400_000 })
  expect(r.code, r.output).toBe(0)
  const s = r.summary!
  const truth = (name: string): number => JSON.parse(fs.readFileSync(path.join(r.root, '.truth', `${name}.json`), 'utf8')).cpuUs
  const test = (name: string) => {
    const t = s.tests.find((x) => x.name === name)
    if (!t) throw new Error(`no test ${name}: ${s.tests.map((x) => x.name).join(', ')}`)
    return t
  }

  // Seen: the vitest worker, esbuild's worker thread (buildSync), the Node child of sh; and eleven that are not
  // Node: eight shells, two esbuild service processes, the shell that started Node.
  const commands = s.native.map((p) => p.command)
  expect(s.notNode, commands.join('\n')).toBe(11)
  expect(s.native.filter((p) => p.sync).map((p) => p.command.split(' ').slice(0, 2).join(' ')).sort()).toEqual(['/bin/sh -c', 'sh -c'])
  expect(s.native.filter((p) => /esbuild/.test(p.command))).toHaveLength(2)
  expect(s.threadsSeen).toBe(s.threads.length + s.native.length)
  expect(s.threadsSeen).toBe(14)

  // The CPU of each lands on its own test, close to what the process measured of itself (the shell's `times`;
  // esbuild's /proc/<pid>/stat read by the test). Loose: 10 ms clock ticks, and readings ~100 ms apart at the
  // window edges of a long-lived process.
  const close = (measured: number, own: number, what: string) => {
    expect(own, `${what}: its own measure`).toBeGreaterThan(50_000)
    expect(measured, `${what}: ${measured} us vs its own ${own} us`).toBeGreaterThan(own * 0.7 - 20_000)
    expect(measured, `${what}: ${measured} us vs its own ${own} us`).toBeLessThan(own * 1.3 + 20_000)
  }
  close(test('async spawn of sh').cpuNativeUs, truth('async-sh'), 'async sh')
  close(test('three async spawns at once').cpuNativeUs, truth('parallel-sh'), 'three parallel sh')
  expect(test('three async spawns at once').native).toHaveLength(3)
  // Reaped in one pass while the thread was busy: one reading of the reaped-children CPU for both, split.
  close(test('two children reaped together while the test was busy').cpuNativeUs, truth('reaped-together'), 'two reaped together')
  expect(test('two children reaped together while the test was busy').native).toHaveLength(2)
  close(test('execSync of sh').cpuNativeUs, truth('execsync-sh'), 'execSync sh')
  close(test('spawnSync of sh').cpuNativeUs, truth('spawnsync-sh'), 'spawnSync sh')
  close(test('esbuild transform (its service process)').cpuNativeUs, truth('esbuild-async'), 'esbuild service')
  close(test('esbuild buildSync (a worker thread and its service process)').cpuNativeUs, truth('esbuild-sync'), 'esbuild buildSync')
  // The shell's own CPU is in the Node child's, which its own clocks count: nothing twice.
  const viaSh = test('node started by sh')
  // Counted twice it would be the Node child's whole CPU (> 100 ms: the shell's reaped-children CPU holds it).
  // What may land here is another native process still alive in that window (esbuild's service process of an
  // earlier test: 5 ms seen on vitest 5 / Node 24).
  expect(viaSh.cpuNativeUs).toBeLessThan(30_000)
  expect(viaSh.cpuWorkersUs, 'the Node child by its own clocks').toBeGreaterThan(100_000)
  const wrapper = s.native.find((p) => p.wraps.length)!
  expect(wrapper.command).toMatch(/^sh -c .*burn\.mjs/)
  // Nothing of its own. What may land here, as above, is a native process of an earlier test still alive in
  // its window (esbuild's service process: a native process's CPU goes to the windows its time falls in):
  // 46 us of it failed an exact 0 in one CI run. Its own spawns would be whole milliseconds.
  expect(test('spawns nothing').cpuNativeUs).toBeLessThan(30_000)

  // report.json: each such process, and per test a part with no samples and no lines.
  const report: JsonReport = JSON.parse(fs.readFileSync(path.join(r.root, '.vitest-profile', 'report', 'report.json'), 'utf8'))
  expect(report.native).toHaveLength(11)
  for (const p of report.native) expect(p.hasLines).toBe(false)
  expect(report.native.filter((p) => p.cpuSource === 'os')).toHaveLength(10)
  expect(report.native.filter((p) => p.cpuSource === 'node-children')).toHaveLength(1)
  const asyncSh = report.tests.find((t) => t.name === 'async spawn of sh')!
  expect(asyncSh.native).toHaveLength(1)
  expect(asyncSh.native[0]).toMatchObject({ name: expect.stringMatching(/^\(not Node\) sh -c/), samples: 0, hasLines: false })
  expect(asyncSh.cpu.nativeUs).toBe(asyncSh.native[0]!.cpuUs)
  expect(asyncSh.cpu.totalUs).toBe(asyncSh.cpu.mainUs + asyncSh.cpu.workersUs)
  expect(asyncSh.cpu.workersUs).toBeGreaterThanOrEqual(asyncSh.cpu.nativeUs)
  const service = report.tests.find((t) => t.name === 'esbuild transform (its service process)')!
  expect(service.native[0]!.name).toMatch(/^\(not Node\) esbuild --service/)

  // The terminal: the count, and a row per process with its CPU and no lines.
  expect(r.output).toMatch(/threads\/processes seen: 14 \(11 not Node: CPU from the OS, no lines; 1 started Node, counted there\), profiles received: 3/)
  const rows = r.output.split('\n').filter((l) => l.includes('(not Node)')).join('\n')
  expect(rows).toMatch(/\d(ms|s)\s+-\s+0\/100\s+\(not Node\) esbuild --service\S* .*\(CPU from the OS, no lines\)/)
  expect(rows).toMatch(/\(not Node\) sh -c i=0.*\(CPU from the OS, no lines\)/)
})
