/**
 * The baseline file (src/budgets/baseline.ts): building from runs, the stable text (golden file
 * test/recorded/gate/baseline.json; after an intended change: UPDATE_GOLDEN=1 npx vitest run
 * test/unit/baseline.test.ts, then review the diff), reading back and each error message.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import { goldenIn } from '../helpers/golden.js'
import {
  buildBaseline,
  machineDifference,
  machineOf,
  serializeBaseline,
  testKey,
  testName,
  type Baseline,
  type Machine,
  type TestFigures,
} from '../../src/budgets/baseline.js'
import type { Calibration } from '../../src/budgets/calibration.js'
import { parseBaseline } from '../../src/budgets/baseline-parse.js'
import { jsonSyntaxError } from '../../src/budgets/baseline-json.js'
import { readBaselineFile, writeBaselineFile } from '../../src/budgets/baseline-io.js'

const golden = goldenIn(path.join(import.meta.dirname, '../recorded/gate'))

const machine: Machine = { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'AMD EPYC 7763 64-Core Processor', node: 'v20.20.2', vitest: '4.1.12' }
const CREATED = '2025-01-31T12:00:00.000Z'

function fig(key: string, cpuMs: number, extra: Partial<TestFigures> = {}): TestFigures {
  const parts = key.split(' › ')
  return { key, file: parts[1]!, name: parts.slice(2).join(' › '), cpuMs, mainMs: cpuMs, workersMs: 0, wallMs: cpuMs + 5, boundMs: 0.5, ...extra }
}

const A = 'unit › test/parse.test.ts › parseRow › splits quoted fields'
const B = 'unit › test/parse.test.ts › parseRow › "escapes" \\ and, commas: too'
const C = 'e2e › test/app.test.ts › boots'

/** Three runs of a small suite: C missing from run 2, A profiled in runs 1 and 3, B measured twice in run 3. */
function threeRuns(): TestFigures[][] {
  return [
    [
      fig(A, 412.504, { mainMs: 400.254, workersMs: 12.25, samples: 4101, topLines: [{ line: 'src/parse.ts:42', selfMs: 180.5, mainMs: 180.5, workersMs: 0 }, { line: 'src/worker.ts:7', selfMs: 12.25, mainMs: 0, workersMs: 12.25 }] }),
      fig(B, 3.333),
      fig(C, 1200),
    ],
    [fig(A, 405.11, { mainMs: 393, workersMs: 12.11 }), fig(B, 3.1)],
    [
      fig(A, 420, { mainMs: 407.5, workersMs: 12.5, samples: 4200, topLines: [{ line: 'src/worker.ts:7', selfMs: 12.5, mainMs: 0, workersMs: 12.5 }, { line: 'src/parse.ts:42', selfMs: 190, mainMs: 190, workersMs: 0 }] }),
      fig(B, 99),
      fig(B, 2.9),
      fig(C, 1180.006),
    ],
  ]
}

describe('testKey', () => {
  test('project › file › describe › test, file with / and no ./', () => {
    expect(testKey({ project: 'unit', file: '.\\test\\a.test.ts', suite: ['outer', 'inner'], test: 'works' })).toBe('unit › test/a.test.ts › outer › inner › works')
    expect(testKey({ file: 'test/a.test.ts', suite: [], test: 'works' })).toBe('test/a.test.ts › works')
    expect(testName(['outer'], 'works')).toBe('outer › works')
  })
})

describe('buildBaseline', () => {
  const b = buildBaseline(threeRuns(), machine, new Date(CREATED))

  test('merges by key; a test missing from a run keeps the runs it has; a key twice in a run counts by its last entry', () => {
    expect(Object.keys(b.tests)).toEqual([B, C, A].sort((x, y) => (x < y ? -1 : 1)))
    expect(b.tests[A]!.runs.map((r) => r.cpuMs)).toEqual([412.5, 405.11, 420])
    expect(b.tests[B]!.runs.map((r) => r.cpuMs)).toEqual([3.33, 3.1, 2.9])
    expect(b.tests[C]!.runs.map((r) => r.cpuMs)).toEqual([1200, 1180.01])
    expect(b.created).toBe(CREATED)
  })

  test('figures rounded to 0.01 ms; samples kept when the run was profiled', () => {
    expect(b.tests[A]!.runs[0]).toEqual({ cpuMs: 412.5, mainMs: 400.25, workersMs: 12.25, wallMs: 417.5, boundMs: 0.5, samples: 4101 })
    expect(b.tests[A]!.runs[1]!.samples).toBeUndefined()
  })

  test('top lines: the profiled run with the median CPU (lower middle of 2), highest self first', () => {
    expect(b.tests[A]!.topLines?.map((l) => [l.line, l.selfMs])).toEqual([
      ['src/parse.ts:42', 180.5],
      ['src/worker.ts:7', 12.25],
    ])
    expect(b.tests[B]!.topLines).toBeUndefined()
  })
})

describe('serializeBaseline', () => {
  const b = buildBaseline(threeRuns(), machine, CREATED)

  test('stable text: sorted keys, fixed field order, one run per line (golden)', () => golden('baseline.json', serializeBaseline(b)))

  test('the same runs in another order of tests give the same text', () => {
    const shuffled = threeRuns().map((run) => [...run].reverse().filter((t, i, all) => all.findIndex((x) => x.key === t.key) === i))
    // Reversing a run flips which of B's two entries in run 3 is last; put the last one back last.
    shuffled[2] = shuffled[2]!.map((t) => (t.key === B ? fig(B, 2.9) : t))
    expect(serializeBaseline(buildBaseline(shuffled, machine, CREATED))).toBe(serializeBaseline(b))
  })

  test('a baseline object with its tests in another order writes the same text', () => {
    const reversed = Object.fromEntries(Object.entries(b.tests).reverse())
    expect(Object.keys(reversed)).not.toEqual(Object.keys(b.tests))
    expect(serializeBaseline({ ...b, tests: reversed })).toBe(serializeBaseline(b))
  })

  test('round trip: parse(serialize(b)) equals b and serializes to the same text', () => {
    const text = serializeBaseline(b)
    const back = parseBaseline(text, 'perf-baseline.json')
    if (!('baseline' in back)) throw new Error(back.error)
    expect(back.baseline).toEqual(b)
    expect(serializeBaseline(back.baseline)).toBe(text)
    // And it is plain JSON with 2-space indentation.
    expect(JSON.parse(text)).toEqual(b)
    expect(text.split('\n')[1]).toBe('  "schema": "vitest-profiler/baseline",')
  })

  test('an empty suite', () => {
    const text = serializeBaseline(buildBaseline([], machine, CREATED))
    expect(text).toContain('  "tests": {}\n}\n')
    expect('baseline' in parseBaseline(text, 'b.json')).toBe(true)
  })
})

describe('the calibration and the helpers figures (optional: an older baseline has neither)', () => {
  const calibration: Calibration = { probe: 1, clock: 'thread', arithmeticMs: [5.413, 5.38, 5.5], memoryMs: [12.04, 11.8, 13.333], helpersMs: [6.1, 5.9, 0] }
  const withHelpers = threeRuns().map((run, i) => run.map((t) => (t.key === A ? { ...t, helpersMs: [61.304, 58, 0][i] } : t)))
  const b = buildBaseline(withHelpers, machine, CREATED, calibration)

  test('written after the machine, one field per line, figures rounded to 0.01 ms; helpersMs per run (golden)', () => {
    const text = serializeBaseline(b)
    golden('baseline-calibrated.json', text)
    // Without them the text is what it always was (golden baseline.json): older readers see nothing new.
    expect(serializeBaseline(buildBaseline(threeRuns(), machine, CREATED, null))).not.toMatch(/calibration|helpersMs/)
  })

  test('round trip', () => {
    const text = serializeBaseline(b)
    const back = parseBaseline(text, 'b.json')
    if (!('baseline' in back)) throw new Error(back.error)
    expect(back.baseline.calibration).toEqual({ probe: 1, clock: 'thread', arithmeticMs: [5.41, 5.38, 5.5], memoryMs: [12.04, 11.8, 13.33], helpersMs: [6.1, 5.9, 0] })
    expect(back.baseline).toEqual(b)
    expect(back.baseline.tests[A]!.runs.map((r) => r.helpersMs)).toEqual([61.3, 58, 0])
    expect(serializeBaseline(back.baseline)).toBe(text)
  })

  test('a calibration that cannot be read does not stop the baseline: it is marked, and not written back', () => {
    const text = serializeBaseline(b).replace('"clock": "thread"', '"clock": "wall"')
    const back = parseBaseline(text, 'b.json')
    if (!('baseline' in back)) throw new Error(back.error)
    expect(back.baseline.calibration).toEqual({ invalid: `its calibration's clock is "wall", not "thread" or "process"` })
    expect(serializeBaseline(back.baseline)).not.toContain('calibration')
  })

  test('a helpersMs that is not a figure is the baseline\u2019s error, like any run figure', () => {
    const text = serializeBaseline(b).replace('"helpersMs": 61.3', '"helpersMs": "61"')
    const r = parseBaseline(text, 'b.json')
    expect('error' in r && r.error).toMatch(/runs\[0\]\.helpersMs: expected a number of milliseconds ≥ 0, got "61"/)
  })
})

describe('parseBaseline errors', () => {
  const good = serializeBaseline(buildBaseline(threeRuns(), machine, CREATED))
  const REGEN = 'regenerate it with npx vitest-profile run --update-baseline'
  const error = (text: string) => {
    const r = parseBaseline(text, 'perf/baseline.json')
    if ('baseline' in r) throw new Error('parsed')
    return r.error
  }
  const edit = (f: (o: any) => void) => {
    const o = JSON.parse(good)
    f(o)
    return JSON.stringify(o, null, 2)
  }

  test('empty file', () => expect(error('  \n')).toBe(`vitest-profiler: baseline perf/baseline.json: the file is empty; ${REGEN}`))

  test('corrupt JSON: line and column, what was expected', () => {
    // A trailing comma after the last run of the first test.
    const lines = good.split('\n')
    const at = lines.findIndex((l) => l.trim() === '],') - 1
    lines[at] = lines[at] + ','
    expect(error(lines.join('\n'))).toBe(
      `vitest-profiler: baseline perf/baseline.json: not valid JSON at line ${at + 2}, column 7: expected another element after ',' (JSON allows no trailing comma), found "]"; fix it or ${REGEN}`,
    )
    expect(error('{\n  "schema": "vitest-profiler/baseline"\n  "version": 1\n}')).toBe(
      `vitest-profiler: baseline perf/baseline.json: not valid JSON at line 3, column 3: expected ',' or '}' after a property value, found "\\""; fix it or ${REGEN}`,
    )
    // Cut inside the machine's CPU model (line 5).
    expect(error(good.slice(0, 200))).toBe(`vitest-profiler: baseline perf/baseline.json: not valid JSON at line 5, column 102: expected a closing '"', found the end of the file; fix it or ${REGEN}`)
  })

  test('merge conflict markers', () => {
    const lines = good.split('\n')
    lines.splice(9, 0, '<<<<<<< HEAD')
    lines.splice(12, 0, '=======', '        { "cpuMs": 1 }', '>>>>>>> main')
    expect(error(lines.join('\n'))).toBe(
      'vitest-profiler: baseline perf/baseline.json: it has git merge conflict markers (line 10); resolve the conflict by regenerating the baseline: npx vitest-profile run --update-baseline',
    )
  })

  test('another document', () => {
    expect(error('[1, 2]')).toBe(`vitest-profiler: baseline perf/baseline.json: not a vitest-profiler baseline: the document is an array, not an object; ${REGEN}`)
    expect(error('{"schema": "vitest-profiler/report", "version": 3}')).toBe(`vitest-profiler: baseline perf/baseline.json: this is a vitest-profiler report (report.json), not a baseline; ${REGEN}`)
    expect(error('{"schema": "jest-bench", "version": 1}')).toBe(
      `vitest-profiler: baseline perf/baseline.json: not a vitest-profiler baseline: it has "schema": "jest-bench", expected "schema": "vitest-profiler/baseline"; ${REGEN}`,
    )
    expect(error('{"tests": {}}')).toBe(`vitest-profiler: baseline perf/baseline.json: not a vitest-profiler baseline: it has no "schema", expected "schema": "vitest-profiler/baseline"; ${REGEN}`)
  })

  test('another version: which one, which is supported, how to regenerate', () => {
    expect(error(edit((o) => (o.version = 2)))).toBe(
      `vitest-profiler: baseline perf/baseline.json: it is version 2, newer than this vitest-profiler reads (version 1): upgrade vitest-profiler, or ${REGEN}`,
    )
    expect(error(edit((o) => (o.version = 0)))).toBe(`vitest-profiler: baseline perf/baseline.json: it is version 0, older than this vitest-profiler reads (version 1); ${REGEN}`)
    expect(error(edit((o) => (o.version = '1')))).toBe(`vitest-profiler: baseline perf/baseline.json: version: expected an integer (this vitest-profiler reads version 1), got "1"; ${REGEN}`)
  })

  test('missing or invalid fields: the first bad path', () => {
    const msg = (p: string, expected: string, got: string) => `vitest-profiler: baseline perf/baseline.json: ${p}: expected ${expected}, got ${got}; fix it or ${REGEN}`
    expect(error(edit((o) => delete o.created))).toBe(msg('created', 'a string', 'nothing (the field is missing)'))
    expect(error(edit((o) => (o.created = 'yesterday')))).toBe(msg('created', 'an ISO 8601 date', '"yesterday"'))
    expect(error(edit((o) => (o.machine.cpus = 2.5)))).toBe(msg('machine.cpus', 'an integer ≥ 0', '2.5'))
    expect(error(edit((o) => delete o.machine))).toBe(msg('machine', 'an object', 'nothing (the field is missing)'))
    expect(error(edit((o) => (o.tests[A].runs[1].cpuMs = '405')))).toBe(msg(`tests[${JSON.stringify(A)}].runs[1].cpuMs`, 'a number of milliseconds ≥ 0', '"405"'))
    expect(error(edit((o) => (o.tests[A].runs[0].boundMs = -1)))).toBe(msg(`tests[${JSON.stringify(A)}].runs[0].boundMs`, 'a number of milliseconds ≥ 0', '-1'))
    expect(error(edit((o) => (o.tests[C].runs = [])))).toBe(msg(`tests[${JSON.stringify(C)}].runs`, 'a non-empty array', '[]'))
    expect(error(edit((o) => (o.tests[A].topLines[1] = { line: 'src/a.ts:1', selfMs: 1, mainMs: 1 })))).toBe(
      msg(`tests[${JSON.stringify(A)}].topLines[1].workersMs`, 'a number of milliseconds ≥ 0', 'nothing (the field is missing)'),
    )
    expect(error(edit((o) => (o.tests[C].file = '')))).toBe(msg(`tests[${JSON.stringify(C)}].file`, 'a non-empty string', '""'))
    expect(error(edit((o) => (o.tests = [])))).toBe(msg('tests', 'an object', '[]'))
  })

  test('a byte order mark and unknown fields are accepted', () => {
    const r = parseBaseline('\uFEFF' + edit((o) => (o.comment = 'made on the CI runner')), 'b.json')
    expect('baseline' in r && Object.keys(r.baseline.tests)).toHaveLength(3)
  })
})

describe('jsonSyntaxError', () => {
  test('null exactly when JSON.parse accepts the text (mutations of a real baseline)', () => {
    const good = serializeBaseline(buildBaseline(threeRuns(), machine, CREATED))
    // A small deterministic PRNG: the same mutations every run.
    let seed = 12345
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const chars = ['{', '}', '[', ']', ',', ':', '"', '\\', '-', '.', 'e', '0', '1', 'x', 't', 'n', ' ', '\n', '\u0001']
    let invalid = 0
    for (let k = 0; k < 2000; k++) {
      const at = rand(good.length)
      const op = rand(3)
      const ch = chars[rand(chars.length)]!
      const text = op === 0 ? good.slice(0, at) + good.slice(at + 1) : op === 1 ? good.slice(0, at) + ch + good.slice(at) : good.slice(0, at) + ch + good.slice(at + 1)
      let parses = true
      try {
        JSON.parse(text)
      } catch {
        parses = false
      }
      const err = jsonSyntaxError(text)
      expect(err === null, `${JSON.stringify(text.slice(Math.max(0, at - 20), at + 20))} (${err?.message})`).toBe(parses)
      if (!parses) invalid++
    }
    expect(invalid).toBeGreaterThan(500)
  })

  test('positions', () => {
    expect(jsonSyntaxError('{"a": tru}')).toMatchObject({ line: 1, column: 10, message: `expected 'true', found "}"` })
    expect(jsonSyntaxError('{"a": 1}\n\n x')).toMatchObject({ line: 3, column: 2, message: 'expected the end of the file after the value, found "x"' })
    expect(jsonSyntaxError('"a\nb"')).toMatchObject({ line: 1, column: 3 })
    expect(jsonSyntaxError('[01]')).toMatchObject({ column: 3, message: `expected ',' or ']' after an array element, found "1"` })
    expect(jsonSyntaxError('[' .repeat(5000))).toMatchObject({ message: 'expected at most 2000 levels of nesting, found "["' })
  })
})

describe('machine', () => {
  test('machineOf: from os and process facts', () => {
    expect(machineOf({ platform: 'linux', arch: 'x64', cpus: [{ model: '  AMD EPYC  7763 ' }, { model: 'AMD EPYC 7763' }], node: 'v20.20.2', vitest: '4.1.12' })).toEqual({
      platform: 'linux',
      arch: 'x64',
      cpus: 2,
      cpuModel: 'AMD EPYC 7763',
      node: 'v20.20.2',
      vitest: '4.1.12',
    })
    expect(machineOf({ platform: 'android', arch: 'arm64', cpus: [], availableParallelism: 8, node: 'v22.1.0', vitest: '4.1.0' })).toMatchObject({ cpus: 8, cpuModel: 'unknown' })
  })

  test('machineDifference names what differs', () => {
    expect(machineDifference(machine, { ...machine, node: 'v20.11.0', vitest: '4.2.0' })).toBeNull()
    expect(machineDifference(machine, { ...machine, platform: 'darwin', arch: 'arm64', cpuModel: 'Apple M2', cpus: 8, node: 'v22.3.0' })).toBe(
      'the baseline was made on another machine (platform linux-x64 in the baseline, darwin-arm64 here; CPU "AMD EPYC 7763 64-Core Processor" in the baseline, "Apple M2" here; cores 2 in the baseline, 8 here; Node v20.20.2 in the baseline, v22.3.0 here): its CPU times may not compare with this run\'s; to gate on this machine, regenerate it with npx vitest-profile run --update-baseline here',
    )
    expect(machineDifference(machine, { ...machine, cpus: 4 })).toMatch(/\(cores 2 in the baseline, 4 here\)/)
  })
})

describe('baseline-io', () => {
  test('write then read; a missing file is not an error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-baseline-'))
    try {
      const file = path.join(dir, 'nested/perf-baseline.json')
      expect(readBaselineFile(file)).toEqual({ missing: true })
      const b: Baseline = buildBaseline(threeRuns(), machine, CREATED)
      writeBaselineFile(file, b)
      expect(fs.readdirSync(path.dirname(file))).toEqual(['perf-baseline.json'])
      expect(readBaselineFile(file, 'perf-baseline.json')).toEqual({ baseline: b })
      fs.writeFileSync(file, '{')
      expect(readBaselineFile(file, 'perf-baseline.json')).toEqual({
        error: "vitest-profiler: baseline perf-baseline.json: not valid JSON at line 1, column 2: expected a property name in double quotes, found the end of the file; fix it or regenerate it with npx vitest-profile run --update-baseline",
      })
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
