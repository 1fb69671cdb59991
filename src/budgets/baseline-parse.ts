/**
 * A baseline file's text read back (baseline.ts has the schema): the document, or the one error that stops it,
 * with where and how to regenerate it. Pure.
 */
import { jsonSyntaxError, lineColumn } from './baseline-json.js'
import { readCalibration } from './calibration.js'
import { BASELINE_SCHEMA, BASELINE_VERSION, REGENERATE, UPDATE_BASELINE_COMMAND, byCodeUnits, type Baseline, type BaselineRun, type BaselineTest, type Machine } from './baseline.js'

const j = JSON.stringify

class Bad {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly value: unknown,
  ) {}
}

function shown(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)'
  let s: string
  try {
    s = JSON.stringify(value) ?? String(value)
  } catch {
    s = String(value)
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const prop = (path: string, name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${j(name)}]`)

function obj(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) throw new Bad(path, 'an object', v)
  return v
}
function str(o: Record<string, unknown>, path: string, name: string, nonEmpty = false): string {
  const v = o[name]
  if (typeof v !== 'string' || (nonEmpty && v.trim() === '')) throw new Bad(prop(path, name), nonEmpty ? 'a non-empty string' : 'a string', v)
  return v
}
function ms(o: Record<string, unknown>, path: string, name: string): number {
  const v = o[name]
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Bad(prop(path, name), 'a number of milliseconds ≥ 0', v)
  return v
}
function count(o: Record<string, unknown>, path: string, name: string): number {
  const v = o[name]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Bad(prop(path, name), 'an integer ≥ 0', v)
  return v
}
function list(o: Record<string, unknown>, path: string, name: string, nonEmpty: boolean): unknown[] {
  const v = o[name]
  if (!Array.isArray(v) || (nonEmpty && v.length === 0)) throw new Bad(prop(path, name), nonEmpty ? 'a non-empty array' : 'an array', v)
  return v
}

function readMachine(v: unknown, path: string): Machine {
  const o = obj(v, path)
  return {
    platform: str(o, path, 'platform'),
    arch: str(o, path, 'arch'),
    cpus: count(o, path, 'cpus'),
    cpuModel: str(o, path, 'cpuModel'),
    node: str(o, path, 'node'),
    vitest: str(o, path, 'vitest'),
    ...(typeof o.profiled === 'boolean' ? { profiled: o.profiled } : {}),
  }
}

function readTest(v: unknown, path: string): BaselineTest {
  const o = obj(v, path)
  const test: BaselineTest = {
    file: str(o, path, 'file', true),
    name: str(o, path, 'name', true),
    runs: list(o, path, 'runs', true).map((r, i) => {
      const at = `${prop(path, 'runs')}[${i}]`
      const ro = obj(r, at)
      const run: BaselineRun = {
        cpuMs: ms(ro, at, 'cpuMs'),
        mainMs: ms(ro, at, 'mainMs'),
        workersMs: ms(ro, at, 'workersMs'),
        wallMs: ms(ro, at, 'wallMs'),
        boundMs: ms(ro, at, 'boundMs'),
      }
      if (ro.helpersMs !== undefined) run.helpersMs = ms(ro, at, 'helpersMs')
      if (ro.samples !== undefined) run.samples = count(ro, at, 'samples')
      return run
    }),
  }
  if (o.topLines !== undefined) {
    test.topLines = list(o, path, 'topLines', false).map((l, i) => {
      const at = `${prop(path, 'topLines')}[${i}]`
      const lo = obj(l, at)
      return { line: str(lo, at, 'line', true), selfMs: ms(lo, at, 'selfMs'), mainMs: ms(lo, at, 'mainMs'), workersMs: ms(lo, at, 'workersMs') }
    })
  }
  return test
}

/**
 * A baseline from its text, or the one error that stops it, prefixed by `source` (the file's path as the user
 * wrote it): where the JSON breaks (line and column), a document that is not a baseline, another version (which
 * one, which is supported, how to regenerate), or the first field that is missing or wrong (its path, what it
 * must be, what it is).
 */
export function parseBaseline(text: string, source: string): { baseline: Baseline } | { error: string } {
  const fail = (why: string) => ({ error: `vitest-profiler: baseline ${source}: ${why}` })
  // An editor's byte order mark is not the document's business.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  if (text.trim() === '') return fail(`the file is empty; ${REGENERATE}`)
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    // A committed baseline's likeliest corruption: a merge conflict, whose markers break the JSON far from
    // where the conflict is. Name the conflict, not the first character JSON trips on.
    const conflict = /^(<{7}|={7}|>{7})(?: |$)/m.exec(text)
    if (conflict) {
      const { line } = lineColumn(text, conflict.index)
      return fail(`it has git merge conflict markers (line ${line}); resolve the conflict by regenerating the baseline: ${UPDATE_BASELINE_COMMAND}`)
    }
    const at = jsonSyntaxError(text)
    const where = at ? `at line ${at.line}, column ${at.column}: ${at.message}` : `(${(err as Error).message})`
    return fail(`not valid JSON ${where}; fix it or ${REGENERATE}`)
  }
  if (!isObject(data)) return fail(`not a vitest-profiler baseline: the document is ${Array.isArray(data) ? 'an array' : shown(data)}, not an object; ${REGENERATE}`)
  if (data.schema !== BASELINE_SCHEMA) {
    if (data.schema === 'vitest-profiler/report') return fail(`this is a vitest-profiler report (report.json), not a baseline; ${REGENERATE}`)
    const found = data.schema === undefined ? 'has no "schema"' : `has "schema": ${shown(data.schema)}`
    return fail(`not a vitest-profiler baseline: it ${found}, expected "schema": "${BASELINE_SCHEMA}"; ${REGENERATE}`)
  }
  const version = data.version
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) {
    return fail(`version: expected an integer (this vitest-profiler reads version ${BASELINE_VERSION}), got ${shown(version)}; ${REGENERATE}`)
  }
  if (version !== BASELINE_VERSION) {
    return version > BASELINE_VERSION
      ? fail(`it is version ${version}, newer than this vitest-profiler reads (version ${BASELINE_VERSION}): upgrade vitest-profiler, or ${REGENERATE}`)
      : fail(`it is version ${version}, older than this vitest-profiler reads (version ${BASELINE_VERSION}); ${REGENERATE}`)
  }
  try {
    const created = str(data, '', 'created').trim()
    if (Number.isNaN(Date.parse(created))) throw new Bad('created', 'an ISO 8601 date', data.created)
    const machine = readMachine(data.machine, 'machine')
    const testsObj = obj(data.tests, 'tests')
    const tests: Record<string, BaselineTest> = {}
    for (const key of Object.keys(testsObj).sort(byCodeUnits)) {
      if (key.trim() === '') throw new Bad('tests', 'test keys that are not empty', key)
      tests[key] = readTest(testsObj[key], prop('tests', key))
    }
    // A calibration that cannot be read is not the baseline's failure: the gate compares without it, and says so.
    const calibration = data.calibration === undefined ? undefined : readCalibration(data.calibration)
    return { baseline: { schema: BASELINE_SCHEMA, version: BASELINE_VERSION, created, machine, ...(calibration ? { calibration } : {}), tests } }
  } catch (err) {
    if (!(err instanceof Bad)) throw err
    return fail(`${err.path.replace(/^\./, '')}: expected ${err.expected}, got ${shown(err.value)}; fix it or ${REGENERATE}`)
  }
}
