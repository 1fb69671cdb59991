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
