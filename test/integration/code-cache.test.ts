/**
 * agent/code-cache.ts (in dist/agent/setup-loader.cjs): data written after a miss or a rejection holds every
 * function of the bundle (an eager compile), not only those the writing thread ran, so that a thread reading
 * it parses nothing of the bundle, whichever functions it calls. Each step runs in a fresh Node process, as
 * each test thread compiles the bundle once (V8 answers a second compile of the same source in one isolate
 * from what it compiled first). What V8 parsed is read from its own log (`--log-function-events`), the same
 * flags in every step, since V8 accepts data only under the flags it was made with.
 */
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { repoRoot } from '../helpers/run-fixture.js'

const loaderFile = path.join(repoRoot, 'dist', 'agent', 'setup-loader.cjs')
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-code-cache-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

// Functions that only `all` calls: the writing process calls just `first`, the reading one calls them all.
const names = Array.from({ length: 12 }, (_, i) => `f${i}`)
const sourceFile = path.join(dir, 'bundle.cjs')
fs.writeFileSync(
  sourceFile,
  `${names.map((n, i) => `function ${n}(x) { return x * ${i + 2} + ${i} }`).join('\n')}\n` +
    `exports.first = (x) => f0(x)\nexports.all = (x) => ${names.map((n) => `${n}(x)`).join(' + ')}\n`,
)
const cacheDir = path.join(dir, 'cache')
const logFile = path.join(dir, 'v8.log')

interface Step {
  state: string
  result: number
  cacheFile: string
  /** V8's parse events of the bundle's functions in that process. */
  parses: number
}

/** One process: compile the bundle through the cache, call `which`, write the data. */
function step(which: 'first' | 'all'): Step {
  const code = `
    const cc = require(${JSON.stringify(loaderFile)})
    const [sourceFile, cacheDir, which] = process.argv.slice(1)
    const cacheFile = cc.cacheFileFor(cacheDir, sourceFile)
    const compiled = cc.compileCached(sourceFile, cacheFile)
    const result = cc.runCached(compiled, require)[which](1)
    cc.persistCache(compiled)
    process.stdout.write(JSON.stringify({ state: compiled.state, result, cacheFile }))`
  const flags = ['--log-function-events', `--logfile=${logFile}`, '--no-logfile-per-isolate']
  const r = spawnSync(process.execPath, [...flags, '-e', code, sourceFile, cacheDir, which], { encoding: 'utf8' })
  expect(r.status, r.stderr).toBe(0)
  // "script-details,<id>,<url>,..." and "function,<event>,<id>,<start>,<end>,<ms>,<t>,<name>"
  const lines = fs.readFileSync(logFile, 'utf8').split('\n').map((l) => l.split(','))
  const ids = new Set(lines.filter((p) => p[0] === 'script-details' && p[2] === sourceFile).map((p) => p[1]))
  const parses = lines.filter((p) => p[0] === 'function' && ids.has(p[2]!) && /parse/.test(p[1]!) && names.includes(p[7]!)).length
  return { ...(JSON.parse(r.stdout) as Omit<Step, 'parses'>), parses }
}

const all = names.reduce((s, _, i) => s + i + 2 + i, 0)

test('miss, then hit; damaged data rejected and rewritten eagerly; stale builds removed', () => {
  const miss = step('first')
  expect(miss).toMatchObject({ state: 'miss', result: 2 })
  expect(path.basename(miss.cacheFile)).toMatch(/^bundle\.cjs-\d+-\d+-v\d+\.\d+\.\d+-\w+\.v8$/)
  // The log sees what is parsed: a process without data parses the functions.
  expect(miss.parses).toBeGreaterThan(0)
  // Data made by a process that called one function holds them all.
  expect(step('all')).toMatchObject({ state: 'hit', result: all, parses: 0 })

  // Data of the right length but not V8's: rejected. The process that read it compiled the source lazily, and
  // what it writes must still hold every function.
  fs.writeFileSync(miss.cacheFile, Buffer.alloc(fs.statSync(miss.cacheFile).size, 7))
  const other = path.join(cacheDir, 'other.cjs-1-2-v0.0.0-x.v8')
  fs.writeFileSync(path.join(cacheDir, 'bundle.cjs-1-2-v0.0.0-x.v8'), 'an older build')
  fs.writeFileSync(other, 'not ours to remove')
  expect(step('first')).toMatchObject({ state: 'rejected', result: 2 })
  expect(step('all')).toMatchObject({ state: 'hit', result: all, parses: 0 })
  expect(fs.readdirSync(cacheDir).sort()).toEqual([path.basename(miss.cacheFile), path.basename(other)].sort())
})
