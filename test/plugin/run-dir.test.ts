/**
 * The run directory: pruning of old runs, and the bootstrap preload being inert once its run has ended (a test
 * may leave a process behind that starts node children with the old NODE_OPTIONS).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createRun, endRun } from '../../src/plugin/run-dir.js'
import { resolveOptions } from '../../src/plugin/options.js'
import { quoteForNodeOptions } from '../../src/agent/propagation.js'
import { pointAtBuiltAgent, runNode } from '../helpers/agent-node.js'

let root: string
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-rundir-'))
})
afterEach(() => fs.rmSync(root, { recursive: true, force: true }))

describe('run directory', () => {
  test('keeps the newest keepRuns runs', async () => {
    const options = resolveOptions({ keepRuns: 2 })
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      ids.push(createRun(root, options, 'test').runId)
      // run ids are second-resolution timestamps + pid: make them distinct and ordered
      fs.renameSync(path.join(root, '.vitest-profile', 'runs', ids[i]!), path.join(root, '.vitest-profile', 'runs', `0${i}-${ids[i]}`))
      ids[i] = `0${i}-${ids[i]}`
    }
    createRun(root, options, 'test')
    const left = fs.readdirSync(path.join(root, '.vitest-profile', 'runs')).sort()
    expect(left).toHaveLength(2)
    expect(left).toContain(ids[3])
    expect(left).not.toContain(ids[0])
  })

  test('the agent profiles a node process while its run is active, and is inert once it ended', () => {
    const run = createRun(root, resolveOptions(undefined), 'test')
    pointAtBuiltAgent(run.bootstrapPath)
    const threads = path.join(run.runDir, 'threads')
    const spin = 'const e = Date.now() + 50; while (Date.now() < e); console.log("ok")'
    expect(runNode(run.bootstrapPath, spin)).toBe('ok\n')
    expect(fs.readdirSync(threads)).toHaveLength(1)
    endRun(run)
    expect(runNode(run.bootstrapPath, spin)).toBe('ok\n')
    // No new thread folder: the agent saw the ended run and did nothing.
    expect(fs.readdirSync(threads)).toHaveLength(1)
  })

  test('a bootstrap whose run directory was removed still lets node start', () => {
    const run = createRun(root, resolveOptions(undefined), 'test')
    pointAtBuiltAgent(run.bootstrapPath)
    fs.rmSync(run.runDir, { recursive: true })
    expect(runNode(run.bootstrapPath, 'console.log("still runs")')).toBe('still runs\n')
    expect(fs.existsSync(run.runDir)).toBe(false)
  })

  test('NODE_OPTIONS quoting survives spaces and quotes in the path', () => {
    expect(quoteForNodeOptions('/a/b.cjs')).toBe('/a/b.cjs')
    const dir = path.join(root, 'dir with "quotes" and spaces')
    fs.mkdirSync(dir)
    const file = path.join(dir, 'pre.cjs')
    fs.writeFileSync(file, 'process.stdout.write("preloaded ")')
    expect(runNode(file, 'console.log("main")')).toBe('preloaded main\n')
  })
})
