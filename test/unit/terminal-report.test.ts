/**
 * The terminal report and the figures behind it (issue #10 items 1-6, 9), on recorded runs:
 * - maps-run (fixtures/attribution-maps), hot-loop-run (fixtures/hot-loop-lines), native-run
 *   (fixtures/native-children);
 * - line-functions-run (fixtures/line-functions, `vitest-profile run`, Node 20, paths replaced by @REPO@): two
 *   functions on one line of spin.mjs, called apart. The line's self CPU is both of theirs; the heavier one's
 *   total is less than that, which version 2 of the report printed as the line's "fn total" (self > total).
 * Larger and flagged reports are made from these by changing their JSON, as a run of 290 tests would give.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { readRun } from '../../src/spool/reader.js'
import { attributeRun, type Attribution } from '../../src/attribution/pipeline.js'
import { loadCapturedMaps, nodeIo } from '../../src/attribution/io.js'
import { buildReport } from '../../src/report/model.js'
import { formatTerminal } from '../../src/report/terminal.js'
import type { JsonBucket, JsonReport } from '../../src/report/schema.js'
import { materializeRecording } from '../helpers/recorded.js'
import { repoRoot } from '../helpers/run-fixture.js'

const RECORDINGS = {
  'maps-run': 'fixtures/attribution-maps',
  'hot-loop-run': 'fixtures/hot-loop-lines',
  'native-run': 'fixtures/native-children',
  'line-functions-run': 'fixtures/line-functions',
} as const

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

function attribution(name: keyof typeof RECORDINGS): Attribution {
  const dir = materializeRecording(name)
  dirs.push(dir)
  return attributeRun(readRun(dir), { rootDir: path.join(repoRoot, RECORDINGS[name]), capturedMaps: loadCapturedMaps(dir), io: nodeIo })
}
const reports = Object.fromEntries(Object.keys(RECORDINGS).map((n) => [n, buildReport(attribution(n as keyof typeof RECORDINGS))])) as Record<keyof typeof RECORDINGS, JsonReport>
const clone = <T>(x: T): T => structuredClone(x)
const render = (r: JsonReport, width: number, topLines = 5) => formatTerminal(r, { color: false, width, topLines, files: [] })
const buckets = (r: JsonReport) => [...r.tests, ...r.outside, ...r.unattributed]

/** A figure as the terminal prints it (fmtUs), in µs. */
function us(text: string): number {
  const m = /^([\d.]+)(ms|s)$/.exec(text)
  if (!m) throw new Error(`not a figure: ${text}`)
  return Number(m[1]) * (m[2] === 's' ? 1e6 : 1e3)
}

describe('self never exceeds total (#10.3)', () => {
  test('every line of every recorded run: fn total >= self', () => {
    for (const [name, r] of Object.entries(reports)) {
      for (const b of buckets(r)) {
        for (const l of b.lines) if (l.functionTotalUs !== null) expect(l.functionTotalUs, `${name} ${b.id} ${l.file}:${l.line}`).toBeGreaterThanOrEqual(l.cpuUs)
      }
    }
  })

  test('a line of two functions: the total is their union, not the heavier one', () => {
    const t = reports['line-functions-run'].tests[0]!
    const line = t.lines.find((l) => l.file === 'spin.mjs' && l.line === 3)!
    const fns = t.functions.filter((f) => f.file === 'spin.mjs' && f.line === 3)
    expect(fns.map((f) => f.name).sort()).toEqual(['heavy', 'light'])
    const heavier = Math.max(...fns.map((f) => f.totalUs))
    // What version 2 printed: the heavier function's total, below the line's own CPU.
    expect(heavier).toBeLessThan(line.cpuUs)
    expect(line.functionTotalUs).toBeGreaterThanOrEqual(line.cpuUs)
    expect(Math.abs(line.functionTotalUs! - fns.reduce((s, f) => s + f.totalUs, 0))).toBeLessThanOrEqual(2)
  })

  test('golden: the lines of the recorded run with their function totals', () => {
    const r = reports['line-functions-run']
    const dump = buckets(r)
      .flatMap((b) => [`${b.kind} ${b.name}: cpu ${b.cpu.totalUs} lines ${b.cpu.linesUs} (${b.lineCount})`, ...b.lines.slice(0, 8).map((l) => `  ${l.line === null ? l.file : `${l.file}:${l.line}`} ${l.function} self=${l.cpuUs} fnTotal=${l.functionTotalUs ?? '-'}`)])
      .join('\n')
    const file = path.join(repoRoot, 'test/recorded/line-functions-run.golden.txt')
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, dump + '\n')
    expect(dump + '\n').toBe(fs.readFileSync(file, 'utf8'))
  })
})

describe("all of a test's CPU is on the terminal (#10.2)", () => {
  test('in the JSON: lines + profiler + unsampled + not-Node = total', () => {
    for (const [name, r] of Object.entries(reports)) {
      for (const b of buckets(r)) {
        const sum = b.cpu.linesUs + b.cpu.profilerUs + b.cpu.unsampledUs + b.cpu.nativeUs
        expect(Math.abs(sum - b.cpu.totalUs), `${name} ${b.id}`).toBeLessThanOrEqual(4)
      }
    }
  })

  test("on the terminal: each section's rows add up to its test's cpu, at every width and number of lines", () => {
    for (const [name, r] of Object.entries(reports)) {
      for (const [width, top] of [[160, 5], [80, 2], [100, 1]] as const) {
        const text = render(r, width, top)
        const sections = text.split('\n\n').filter((s) => /^ {4}share +self/m.test(s))
        expect(sections.length, name).toBeGreaterThan(0)
        for (const s of sections) {
          const total = us(/cpu ([\d.]+m?s) \(main/.exec(s)![1]!)
          const rows = s.split('\n').filter((l) => /^ {4}(?!share|main thread|cpu | *top: )/.test(l))
          const figures = rows.map((l) => us(/^ {4}.{13}\s*([\d.]+m?s)/.exec(l)![1]!))
          const sum = figures.reduce((a, b) => a + b, 0)
          // Each printed figure is rounded (to 0.1 ms, 1 ms or 10 ms); rows under 0.05 ms are not printed.
          const slack = rows.length * 550 + total * 0.01 + 200
          expect(Math.abs(sum - total), `${name} at ${width}: ${s}`).toBeLessThanOrEqual(slack)
        }
      }
    }
  })

  test('the unsampled row says what it is', () => {
    const r = clone(reports['maps-run'])
    const t = r.tests[0]!
    expect(t.cpu.unsampledUs).toBeGreaterThan(50)
    expect(render(r, 120)).toMatch(/^ {4} +[\d.]+m?s {2}unsampled \(CPU no sample saw/m)
  })
})

describe('library rows read as the group (#10.1)', () => {
  test("a grouped row names its heaviest functions with their own shares, not one function's name", () => {
    const r = reports['maps-run']
    const o = r.outside.find((b) => b.file)!
    const internal = o.lines.find((l) => l.file === 'node:internal')!
    expect(internal.groupFunctions!.length).toBeGreaterThan(1)
    expect(internal.groupFunctions![0]!.cpuUs).toBeLessThan(internal.cpuUs)
    const text = render(r, 200)
    const row = text.split('\n').find((l) => / node:internal {2}top: /.test(l) && l.includes('compileSourceTextModule'))!
    expect(row, text).toMatch(/top: compileSourceTextModule [\d.]+% ±[\d.]+, /)
    // The row's share is the group's, and the first function's share is its own: smaller.
    const [groupShare, fnShare] = [/^ {4}([\d.]+)%/.exec(row)![1], /compileSourceTextModule ([\d.]+)%/.exec(row)![1]].map(Number)
    expect(fnShare).toBeLessThan(groupShare!)
  })
})

/** Lines the report never cuts (completeness and budgets): exempt from the width. */
const NEVER_CUT = /^ {2}(threads\/processes seen|budgets?[: ]|json|cpuprofile|speedscope)|^ {4}\S+ (worker|process|thread)/

describe('the table at any width (#10.5)', () => {
  function flagged(): JsonReport {
    const r = clone(reports['maps-run'])
    const t = r.tests[0]!
    t.state = 'fail'
    t.sharedWith = ['a', 'b', 'c']
    t.cpu.estimated = true
    const retry: JsonBucket = { ...clone(t), id: `${t.id}#2`, attempt: 2, state: 'pass', sharedWith: [], cpu: { ...t.cpu, estimated: false } }
    r.tests.push(retry)
    return r
  }

  test('every line fits, and no flag is lost, from 60 to 200 columns', () => {
    for (const width of [60, 80, 100, 120, 160, 200]) {
      const text = render(flagged(), width)
      for (const l of text.split('\n')) if (!NEVER_CUT.test(l)) expect(l.length, `${width}: ${l}`).toBeLessThanOrEqual(width)
      const table = text.slice(0, text.indexOf('\n\n', text.indexOf('  test ')))
      if (process.env.SHOW_WIDTH) console.log(text)
      for (const flag of ['attempt 1', 'attempt 2', 'failed', 'shared with 3 concurrent', 'cpu estimated']) expect(table, `${width}:\n${table}`).toContain(flag)
    }
  })

  test('rows that differ only in a describe stay told apart at 80 columns', () => {
    const r = clone(reports['maps-run'])
    const base = r.tests[0]!
    const long = 'with a very long describe name that a terminal table has to shorten somewhere'
    const make = (project: string, suite: string[]): JsonBucket => ({ ...clone(base), id: `${project}${suite.join()}`, project, suite, name: [...suite, 'should work'].join(' > '), file: 'test/deeply/nested/names.test.ts' })
    r.tests = [make('alpha', ['parser']), make('alpha', ['printer', long]), make('beta', ['parser']), make('beta', ['printer', long]), make('beta', ['printer', `${long} too`])]
    const text = render(r, 80)
    const rows = text.split('\n').filter((l) => /^ {2}(alpha|beta) › .* \d+\+\d+$/.test(l))
    expect(rows, text).toHaveLength(5)
    const names = rows.map((l) => l.slice(2, l.search(/ {2,}\d/)).trim())
    expect(new Set(names).size, rows.join('\n')).toBe(5)
    // The test's own name keeps its end; the project its start.
    for (const n of names) expect(n).toMatch(/^(alpha|beta) › .*work$/)
    if (process.env.SHOW_WIDTH) console.log(rows.join('\n'))
  })
})

describe('a report that scales (#10.6)', () => {
  function large(): JsonReport {
    const r = clone(reports['maps-run'])
    const base = r.tests[0]!
    r.tests = Array.from({ length: 290 }, (_, i) => ({
      ...clone(base),
      id: `t${i}`,
      name: `case ${i}`,
      suite: [],
      file: `test/file-${i % 29}.test.ts`,
      cpu: { ...base.cpu, totalUs: i === 7 ? 900_000 : 500 + i * 10 },
      samples: { main: i === 7 ? 900 : i % 3, workers: 0, effective: 1 },
      state: i === 250 ? 'fail' : 'pass',
    }))
    const file = r.outside.find((o) => o.file)!
    const noFile = r.outside.find((o) => !o.file)!
    r.outside = [
      ...Array.from({ length: 29 }, (_, i) => ({ ...clone(file), id: `o${i}`, file: `test/file-${i}.test.ts` })),
      ...Array.from({ length: 20 }, (_, i) => ({ ...clone(noFile), id: `n${i}`, thread: `${i}-0` })),
    ]
    return r
  }

  test('290 tests: the failure and the heaviest first, the rest in one line, outside rows by what they are', () => {
    const text = render(large(), 120)
    const lines = text.split('\n')
    expect(lines.length, text).toBeLessThan(130)
    const table = lines.slice(lines.findIndex((l) => l.startsWith('  test ')) + 1)
    expect(table[0]).toMatch(/file-18\.test\.ts › case 250 \(failed\)/)
    expect(table[1]).toMatch(/file-7\.test\.ts › case 7 /)
    expect(text).toMatch(/^ {2}… 270 more tests: [\d.]+m?s cpu in all, none over [\d.]+m?s \(every test: report\.json, tests\[\]\)$/m)
    expect(lines.filter((l) => l.includes('(outside tests)'))).toEqual([])
    expect(lines.filter((l) => /vitest start-up, teardown \(20 threads\)/.test(l))).toHaveLength(1)
    expect(lines.filter((l) => /file-\d+\.test\.ts › \(import, collection, hooks\) /.test(l)).length).toBeLessThanOrEqual(5 + 2)
    expect(text).toMatch(/^ {2}24 more files \(import, collection, hooks\) /m)
    // Sections only for tests with samples enough to say something.
    expect(lines.filter((l) => /^ {4}share +self/.test(l)).length).toBeLessThanOrEqual(1 + 2)
  })
})

describe('notes (#10.4, #10.9)', () => {
  test('function-level: said of the functions it is true of, not of files', () => {
    const a = attribution('maps-run')
    const t = a.tests[0]!
    const l = t.lines.find((x) => x.group === null)!
    l.level = 'function'
    const r = buildReport(a)
    const note = r.notes.find((n) => n.startsWith('function-level'))!
    expect(note).toContain(`${l.functionName} (${l.file}:${l.line})`)
    expect(note.length).toBeLessThan(300)
    expect(buildReport(attribution('maps-run')).notes.some((n) => n.startsWith('function-level'))).toBe(false)
  })

  test('coverage on: the report says the lines can move', () => {
    const a = attribution('maps-run')
    expect(buildReport(a).notes.some((n) => n.includes('coverage'))).toBe(false)
    expect(buildReport(a, { coverage: 'v8' }).notes.find((n) => n.startsWith('coverage is on (v8)'))).toMatch(/hot lines can move/)
  })
})
