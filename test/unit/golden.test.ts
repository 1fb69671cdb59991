/**
 * Golden tests: a real recorded run (fixtures/attribution-maps, recorded with `vitest-profile run`; paths
 * replaced by @REPO@) goes through every stage; each stage's text dump must equal its reviewed golden file in
 * test/recorded/maps-run.golden/. After an intended change: UPDATE_GOLDEN=1 npx vitest run test/unit, then
 * review the diff of the golden files.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { readRun } from '../../src/spool/reader.js'
import { attributeRun, type Attribution } from '../../src/attribution/pipeline.js'
import { loadCapturedMaps, nodeIo } from '../../src/attribution/io.js'
import { dumpBuckets, dumpSamples, dumpThreads } from '../../src/attribution/dump.js'
import { buildReport } from '../../src/report/model.js'
import { formatTerminal } from '../../src/report/terminal.js'
import { speedscopeFile } from '../../src/report/speedscope.js'
import { threadProfile } from '../../src/report/cpuprofile.js'
import { repoRoot } from '../helpers/run-fixture.js'

const recorded = path.join(repoRoot, 'test/recorded/maps-run')
const goldenDir = path.join(repoRoot, 'test/recorded/maps-run.golden')

/** The recording with @REPO@ put back to this checkout's path, in a temporary run dir. */
function materialize(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-golden-'))
  const copy = (from: string, to: string) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      if (e.isDirectory()) {
        fs.mkdirSync(path.join(to, e.name))
        copy(path.join(from, e.name), path.join(to, e.name))
      } else fs.writeFileSync(path.join(to, e.name), fs.readFileSync(path.join(from, e.name), 'utf8').replaceAll('@REPO@', repoRoot.replace(/\/$/, '')))
    }
  }
  copy(recorded, dir)
  return dir
}

function golden(name: string, text: string): void {
  const file = path.join(goldenDir, `${name}.txt`)
  const actual = text.replaceAll(repoRoot.replace(/\/$/, ''), '@REPO@') + '\n'
  if (process.env.UPDATE_GOLDEN) {
    fs.mkdirSync(goldenDir, { recursive: true })
    fs.writeFileSync(file, actual)
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'))
}

describe('stages on a recorded run (golden)', () => {
  let a: Attribution
  beforeAll(() => {
    const dir = materialize()
    a = attributeRun(readRun(dir), { rootDir: path.join(repoRoot, 'fixtures/attribution-maps'), capturedMaps: loadCapturedMaps(dir), io: nodeIo })
  })

  test('1 threads', () => golden('1-threads', dumpThreads(a)))
  test('2-3 samples, classification and CPU', () => golden('2-samples', dumpSamples(a)))
  test('4-6 buckets, lines and functions', () => golden('3-buckets', dumpBuckets(a)))
  test('terminal report', () => golden('4-terminal', formatTerminal(buildReport(a), { color: false, width: 100, topLines: 5, files: [] })))
  test('speedscope and cpuprofile outlines', () => {
    const ss = speedscopeFile(a)
    const profiles = a.threads.map((t) => threadProfile(a, t))
    const lines = [
      ...ss.profiles.map((p) => `speedscope ${p.name} samples=${p.samples.length} weight=${(p.weights.reduce((s, w) => s + w, 0) / 1000).toFixed(1)}ms`),
      ...profiles.map((p, i) => {
        const mapped = p.nodes.filter((n) => n.positionTicks?.length && n.callFrame.url.includes('fixtures/attribution-maps'))
        return `cpuprofile ${a.threads[i]!.key} nodes=${p.nodes.length} samples=${p.samples!.length} ${mapped.map((n) => `${n.callFrame.functionName}@${n.callFrame.url.split('/').slice(-2).join('/')}:${n.positionTicks!.map((t) => `${t.line}x${t.ticks}`).join(',')}`).join(' ')}`
      }),
    ]
    golden('5-profiles', lines.join('\n'))
  })
})
