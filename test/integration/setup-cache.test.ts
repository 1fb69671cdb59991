/**
 * A budgets-only run compiles its setup module through V8's code cache (agent/setup-loader.ts), kept in the
 * output folder: the first run writes it, the next reads it, damaged data is rejected by V8 and rewritten, and
 * in a vm pool (another realm) the ES module is imported natively instead. Every run's test passes: the cache
 * never changes a result. Real vitest runs of fixtures/setup-cache, whose one test records the state.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { runFixture } from '../helpers/run-fixture.js'

const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-setup-cache-'))
afterAll(() => fs.rmSync(outputDir, { recursive: true, force: true }))
const cacheDir = path.join(outputDir, 'cache')

async function run(extra: string[] = []): Promise<string> {
  const out = path.join(outputDir, `result-${Date.now()}.json`)
  const r = await runFixture('setup-cache', {
    via: 'vitest',
    args: ['run', '--reporter=json', `--outputFile=${out}`, ...extra],
    env: { SETUP_CACHE_OUTPUT_DIR: outputDir },
    timeoutMs: 60_000,
  })
  expect(r.code, r.output).toBe(0)
  const json = JSON.parse(fs.readFileSync(out, 'utf8')) as { testResults: { assertionResults: { status: string; meta?: { setupCache?: string } }[] }[] }
  const [result] = json.testResults[0]!.assertionResults
  expect(result!.status).toBe('passed')
  return result!.meta?.setupCache ?? 'no meta'
}

const cacheFiles = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : [])

test('the setup module: compiled and cached, read back, rejected when damaged, native in a vm pool', async () => {
  expect(await run()).toBe('miss')
  const files = cacheFiles()
  expect(files).toHaveLength(1)
  expect(files[0]).toMatch(/^setup\.cjs-\d+-\d+-v\d+\.\d+\.\d+-\w+\.v8$/)
  expect(await run()).toBe('hit')
  // Data of the right length but not V8's: rejected, and replaced by a good one.
  const file = path.join(cacheDir, files[0]!)
  fs.writeFileSync(file, Buffer.alloc(fs.statSync(file).size, 7))
  expect(await run()).toBe('rejected')
  expect(await run()).toBe('hit')
  expect(cacheFiles()).toEqual(files)
  // vitest's vm pools: a test file's globals are another realm's; the stub imports the ES module there.
  expect(await run(['--pool=vmThreads'])).toBe('none')
}, 300_000)
