import { spawnSync } from 'node:child_process'
import * as path from 'node:path'
import { expect, test } from 'vitest'
import { repoRoot } from '../helpers/run-fixture.js'

// The budgets-only preload (agent/meter-hook.ts) installs the meter only in a worker created by a thread that
// has it. In a process's main thread (vitest's forks worker, or a child started with that execArgv) it loads
// nothing, not even worker_threads; in a worker of a thread without the meter (vitest's threads-pool worker,
// created by vitest's own process) no meter. There the setup file installs the meter before the first test
// file (agent/setup.ts). Checked in real threads of a fresh process, by what each thread has loaded and whether
// its meter is installed. A worker loads only the meter's writing side (meter-worker.cjs): it is read from outside.
const hookFile = path.join(repoRoot, 'dist', 'agent', 'meter-hook.cjs')
const meterFile = path.join(repoRoot, 'dist', 'agent', 'meter.cjs')

const probe = `{
  const loaded = Object.keys(require.cache).filter((f) => f.includes('dist/agent/')).map((f) => require('node:path').basename(f)).sort()
  return { loaded, installed: process[Symbol.for('vitest-profiler.meter-installed')] === true, hook: typeof process[Symbol.for('vitest-profiler.meter-hook-file')] }
}`

function run(script: string): Record<string, { loaded: string[]; installed: boolean; hook: string; workerThreadsLoaded?: boolean }> {
  const r = spawnSync(process.execPath, ['--require', hookFile, '-e', script], { encoding: 'utf8', cwd: repoRoot })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  return JSON.parse(r.stdout)
}

test('the preload installs the meter in a worker of a metered thread, and nowhere else', () => {
  const script = `
    const probe = () => ${probe}
    // Before anything here loads worker_threads: the preload must not have (a vitest forks worker has not).
    const main = { ...probe(), workerThreadsLoaded: process.moduleLoadList.includes('NativeModule worker_threads') }
    const { Worker } = require('node:worker_threads')
    const inWorker = () => new Promise((resolve, reject) => {
      const w = new Worker(${JSON.stringify(`require('node:worker_threads').parentPort.postMessage((() => ${probe})())`)}, { eval: true })
      w.once('message', resolve)
      w.once('error', reject)
    })
    ;(async () => {
      const out = { main }
      out.workerOfUnmetered = await inWorker()
      // What the setup file does in a test's thread, before its first test file.
      require(${JSON.stringify(meterFile)}).installMeter()
      out.workerOfMetered = await inWorker()
      process.stdout.write(JSON.stringify(out))
    })()`
  const out = run(script)
  expect(out.main).toEqual({ loaded: ['meter-hook.cjs'], installed: false, hook: 'string', workerThreadsLoaded: false })
  expect(out.workerOfUnmetered).toEqual({ loaded: ['meter-hook.cjs'], installed: false, hook: 'string' })
  expect(out.workerOfMetered).toEqual({ loaded: ['meter-hook.cjs', 'meter-worker.cjs'], installed: true, hook: 'string' })
})

// A worker's children are seen at Node's spawn bindings (agent/spawn-bindings.ts): the worker never loads
// node:child_process for the meter, and a child it starts later (by an ESM import, which no hook sees on Node 20)
// is measured all the same, on the test thread above it. Under --pending-deprecation process.binding would warn:
// the meter then patches node:child_process instead, and still measures, and nothing is printed.
const workerChildren = `
  const meter = require(${JSON.stringify(meterFile)})
  meter.installMeter()
  const { Worker } = require('node:worker_threads')
  const body = ${JSON.stringify(`
    const { parentPort } = require('node:worker_threads')
    const loadedBefore = process.moduleLoadList.includes('NativeModule child_process')
    import('node:child_process').then(({ fork, spawn, execFileSync }) => {
      const burn = 'let x = 0; for (let i = 0; i < 3e7; i++) x += i; process.send?.(process.execArgv)'
      const child = fork('-', [], { execArgv: ['--require', process[Symbol.for('vitest-profiler.meter-hook-file')], '-e', burn] })
      child.once('message', (execArgv) => child.once('exit', () => {
        execFileSync(process.execPath, ['-e', 'let x = 0; for (let i = 0; i < 3e7; i++) x += i'])
        spawn('sh', ['-c', 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done']).once('exit', () => parentPort.postMessage({ loadedBefore, execArgv }))
      }))
    })`)}
  const m = meter.mark()
  const w = new Worker(body, { eval: true })
  w.once('message', async (msg) => {
    await w.terminate()
    const r = meter.measureSince(m)
    process.stdout.write(JSON.stringify({ ...msg, processes: r.processes, processesMs: r.processesUs / 1000 }))
  })`

test.each([
  ['on the spawn bindings', []],
  ['on node:child_process, under --pending-deprecation', ['--pending-deprecation']],
])('a worker below a test: the children it starts are measured, hooked %s', (_, flags) => {
  const r = spawnSync(process.execPath, [...flags, '--require', hookFile, '-e', workerChildren], { encoding: 'utf8', cwd: repoRoot })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  const out = JSON.parse(r.stdout) as { loadedBefore: boolean; execArgv: string[]; processes: number; processesMs: number }
  // With the bindings nothing loaded it; the fallback loads it at the meter's install (that is its cost).
  expect(out.loadedBefore).toBe(flags.length > 0)
  // The fork()ed child got the execArgv it would have without the plugin (our preload taken out).
  expect(out.execArgv).toEqual(['-e', expect.any(String)])
  // The forked and the native child (the synchronous one is in the figure, not in the count).
  expect(out.processes).toBe(2)
  expect(out.processesMs).toBeGreaterThan(0)
})
