/**
 * The regression gate's baseline file: a versioned JSON document, committed in the repository, holding per
 * test the CPU figures of one or more runs of the suite (and, when those runs were profiled, the test's top
 * lines). Pure: building, writing to text, reading back and validating; the disk is baseline-io.ts's.
 *
 * ## Schema `vitest-profiler/baseline`, version 1
 *
 * ```json
 * {
 *   "schema": "vitest-profiler/baseline",
 *   "version": 1,
 *   "created": "2025-01-31T12:00:00.000Z",
 *   "machine": { "platform": "linux", "arch": "x64", "cpus": 4, "cpuModel": "AMD EPYC 7763 64-Core Processor", "node": "v20.20.2", "vitest": "4.1.12" },
 *   "tests": {
 *     "unit › test/parse.test.ts › parseRow › splits quoted fields": {
 *       "file": "test/parse.test.ts",
 *       "name": "parseRow › splits quoted fields",
 *       "runs": [
 *         { "cpuMs": 412.5, "mainMs": 400.25, "workersMs": 12.25, "wallMs": 431.02, "boundMs": 1.2, "samples": 4101 },
 *         { "cpuMs": 405.11, "mainMs": 393, "workersMs": 12.11, "wallMs": 420.7, "boundMs": 1.2 }
 *       ],
 *       "topLines": [
 *         { "line": "src/parse.ts:42", "selfMs": 180.5, "mainMs": 180.5, "workersMs": 0 }
 *       ]
 *     }
 *   }
 * }
 * ```
 *
 * - `tests` is keyed by the test's key (`testKey`): project name, test file path relative to the project root
 *   (with `/`), describe chain and test name, joined by ' › ' (the project left out when it has no name). The key
 *   is what makes a test "the same test" across runs: renaming a test or a describe, moving its file or renaming
 *   its project makes it a new test (and the old key a gone one).
 * - `file` is that test file path again, `name` the describe chain and test name joined by ' › ' (what a message
 *   shows, and how a renamed test is told apart from a new one: same file).
 * - `runs`: one entry per run of the suite that measured the test (a baseline made with `--runs 3` has up to 3),
 *   in the order they ran; never empty. A test missing from some runs (skipped, failed) keeps the runs it has.
 *   All figures in milliseconds, rounded to 0.01 ms, ≥ 0:
 *   - `cpuMs`: the test's CPU over every thread and process it ran code in (the figure the gate compares);
 *   - `mainMs`, `workersMs`: its split, the test's own thread vs. the workers and processes it started
 *     (`mainMs + workersMs` equals `cpuMs` up to rounding when both come from the meter);
 *   - `wallMs`: the test's wall time, hooks included (stored for the reader; the gate does not judge it);
 *   - `boundMs`: the error bound of `cpuMs` (the meter's: clock resolution, workers read on a timer);
 *   - `samples` (optional, an integer): the profiler's sample count in the test, when that run was profiled.
 * - `topLines` (optional): present when at least one run was profiled; the top lines of the profiled run with the
 *   median `cpuMs` (one real run, not a blend of several), by self CPU, highest first. `line` is 'path:line' with
 *   the path relative to the project root; `selfMs` is the line's self CPU over every thread and process of the
 *   test, `mainMs + workersMs` its split.
 * - `machine` describes where the baseline was made (`machineOf`); a gate run elsewhere warns
 *   (`machineDifference`), since CPU times of different CPUs do not compare.
 * - Keys are written sorted (by UTF-16 code units, not the locale), objects with a fixed field order, 2-space
 *   indentation, one run and one top line per line, a final newline: two baselines of the same suite differ
 *   only where a figure did, and a review diff shows one line per changed run.
 * - Unknown fields are ignored when read (a hand-added comment field does not break the gate). A change of
 *   meaning or of a field's type bumps `version`; a reader refuses every version but its own and says how to
 *   regenerate the file.
 */
import { jsonSyntaxError, lineColumn } from './baseline-json.js'

export const BASELINE_SCHEMA = 'vitest-profiler/baseline'
export const BASELINE_VERSION = 1
/** The command that writes (or ratchets) the baseline; every message that suggests regenerating names it. */
export const UPDATE_BASELINE_COMMAND = 'npx vitest-profile run --update-baseline'

export interface Machine {
  /** process.platform: 'linux', 'darwin', 'win32'. */
  platform: string
  /** process.arch: 'x64', 'arm64'. */
  arch: string
  /** Logical CPUs. */
  cpus: number
  /** The first CPU's model name, whitespace collapsed; 'unknown' when the OS does not say. */
  cpuModel: string
  /** process.version: 'v20.20.2'. */
  node: string
  /** vitest's version: '4.1.12'. */
  vitest: string
  /**
   * Whether the runs were profiled. It changes the figures of worker threads' children: a child process's CPU
   * (read from the OS) includes its own profiler agent, which only a profiled run has. Absent: unknown.
   */
  profiled?: boolean
}

/** One run's figures of one test (ms, rounded to 0.01). */
export interface BaselineRun {
  cpuMs: number
  mainMs: number
  workersMs: number
  wallMs: number
  boundMs: number
  samples?: number
}

/** A line of a test's top lines (ms). */
export interface TopLine {
  /** 'src/a.ts:12', relative to the project root. */
  line: string
  selfMs: number
  mainMs: number
  workersMs: number
}

export interface BaselineTest {
  file: string
  name: string
  runs: BaselineRun[]
  topLines?: TopLine[]
}

export interface Baseline {
  schema: typeof BASELINE_SCHEMA
  version: typeof BASELINE_VERSION
  /** ISO 8601. */
  created: string
  machine: Machine
  tests: Record<string, BaselineTest>
}

/** What one run of the suite measured for one test: the input of `buildBaseline` and of the gate. */
export interface TestFigures {
  /** `testKey(...)`. */
  key: string
  /** Test file, relative to the project root. */
  file: string
  /** Describe chain and test name joined by ' › '. */
  name: string
  cpuMs: number
  mainMs: number
  workersMs: number
  wallMs: number
  boundMs: number
  samples?: number
  /** When the run was profiled: the test's top lines by self CPU. */
  topLines?: TopLine[]
}

export const KEY_SEPARATOR = ' › '

/**
 * A test's key: `project › file › describe › test`. `file` relative to the project root; `\` becomes `/` and a
 * leading './' goes, so that the same test has the same key on Windows and elsewhere.
 */
export function testKey(parts: { project?: string; file: string; suite: readonly string[]; test: string }): string {
  return [...(parts.project ? [parts.project] : []), normalizeFile(parts.file), ...parts.suite, parts.test].join(KEY_SEPARATOR)
}

/** The `name` of a test: its describe chain and its own name. */
export function testName(suite: readonly string[], test: string): string {
  return [...suite, test].join(KEY_SEPARATOR)
}

function normalizeFile(file: string): string {
  let f = file.replace(/\\/g, '/')
  while (f.startsWith('./')) f = f.slice(2)
  return f
}

/** 0.01 ms; never -0 (it would be written as 0 and read back as 0 anyway, but compare unequal in tests). */
export const round2 = (ms: number): number => Math.round(ms * 100) / 100 || 0

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

function runOf(t: TestFigures): BaselineRun {
  const r: BaselineRun = {
    cpuMs: round2(t.cpuMs),
    mainMs: round2(t.mainMs),
    workersMs: round2(t.workersMs),
    wallMs: round2(t.wallMs),
    boundMs: round2(t.boundMs),
  }
  if (t.samples !== undefined) r.samples = Math.round(t.samples)
  return r
}

function sortTopLines(lines: readonly TopLine[]): TopLine[] {
  return lines
    .map((l) => ({ line: l.line, selfMs: round2(l.selfMs), mainMs: round2(l.mainMs), workersMs: round2(l.workersMs) }))
    .sort((a, b) => b.selfMs - a.selfMs || byCodeUnits(a.line, b.line))
}

/**
 * A baseline from one or more runs of the suite (`runs[i]`: what run i measured, one entry per test). Tests are
 * merged by key; a test appears with the runs that measured it. A key twice in one run (a retried test) counts
 * once, by its last entry, as vitest counts a retried test by its last attempt. `file` and `name` come from the
 * test's last run.
 */
export function buildBaseline(runs: readonly (readonly TestFigures[])[], machine: Machine, created: string | Date): Baseline {
  const merged = new Map<string, { file: string; name: string; figures: TestFigures[] }>()
  for (const run of runs) {
    const once = new Map<string, TestFigures>()
    for (const t of run) once.set(t.key, t)
    for (const t of once.values()) {
      const m = merged.get(t.key)
      if (m) {
        m.file = t.file
        m.name = t.name
        m.figures.push(t)
      } else merged.set(t.key, { file: t.file, name: t.name, figures: [t] })
    }
  }
  const tests: Record<string, BaselineTest> = {}
  for (const key of [...merged.keys()].sort(byCodeUnits)) {
    const m = merged.get(key)!
    const entry: BaselineTest = { file: normalizeFile(m.file), name: m.name, runs: m.figures.map(runOf) }
    const profiled = m.figures.filter((f) => f.topLines !== undefined).sort((a, b) => a.cpuMs - b.cpuMs)
    // The lower median of an even count: a real run's lines, and the same pick every time for the same runs.
    const median = profiled[Math.floor((profiled.length - 1) / 2)]
    if (median?.topLines) entry.topLines = sortTopLines(median.topLines)
    tests[key] = entry
  }
  return {
    schema: BASELINE_SCHEMA,
    version: BASELINE_VERSION,
    created: typeof created === 'string' ? created : created.toISOString(),
    machine: { ...machine },
    tests,
  }
}

// ---------------------------------------------------------------------------------------------------------
// Text

const j = JSON.stringify

function inline(fields: [string, unknown][]): string {
  return `{ ${fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${j(k)}: ${j(v)}`)
    .join(', ')} }`
}

const runLine = (r: BaselineRun) =>
  inline([
    ['cpuMs', round2(r.cpuMs)],
    ['mainMs', round2(r.mainMs)],
    ['workersMs', round2(r.workersMs)],
    ['wallMs', round2(r.wallMs)],
    ['boundMs', round2(r.boundMs)],
    ['samples', r.samples],
  ])

const topLineLine = (l: TopLine) =>
  inline([
    ['line', l.line],
    ['selfMs', round2(l.selfMs)],
    ['mainMs', round2(l.mainMs)],
    ['workersMs', round2(l.workersMs)],
  ])

/** The baseline as the text written to disk: stable (see the schema above), ending in a newline. */
export function serializeBaseline(b: Baseline): string {
  const m = b.machine
  const out: string[] = [
    '{',
    `  "schema": ${j(BASELINE_SCHEMA)},`,
    `  "version": ${BASELINE_VERSION},`,
    `  "created": ${j(b.created)},`,
    `  "machine": ${inline([
      ['platform', m.platform],
      ['arch', m.arch],
      ['cpus', m.cpus],
      ['cpuModel', m.cpuModel],
      ['node', m.node],
      ['vitest', m.vitest],
      ...(m.profiled !== undefined ? [['profiled', m.profiled] as [string, boolean]] : []),
    ])},`,
  ]
  const keys = Object.keys(b.tests).sort(byCodeUnits)
  if (keys.length === 0) out.push('  "tests": {}')
  else {
    out.push('  "tests": {')
    keys.forEach((key, k) => {
      const t = b.tests[key]!
      out.push(`    ${j(key)}: {`, `      "file": ${j(t.file)},`, `      "name": ${j(t.name)},`)
      const list = (name: string, rows: string[], last: boolean) => {
        out.push(`      ${j(name)}: [`)
        rows.forEach((row, r) => out.push(`        ${row}${r < rows.length - 1 ? ',' : ''}`))
        out.push(`      ]${last ? '' : ','}`)
      }
      const lines = t.topLines
      list('runs', t.runs.map(runLine), lines === undefined)
      if (lines !== undefined) list('topLines', lines.map(topLineLine), true)
      out.push(`    }${k < keys.length - 1 ? ',' : ''}`)
    })
    out.push('  }')
  }
  out.push('}')
  return out.join('\n') + '\n'
}

// ---------------------------------------------------------------------------------------------------------
// Reading back

const REGENERATE = `regenerate it with ${UPDATE_BASELINE_COMMAND}`

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
    return { baseline: { schema: BASELINE_SCHEMA, version: BASELINE_VERSION, created, machine, tests } }
  } catch (err) {
    if (!(err instanceof Bad)) throw err
    return fail(`${err.path.replace(/^\./, '')}: expected ${err.expected}, got ${shown(err.value)}; fix it or ${REGENERATE}`)
  }
}

// ---------------------------------------------------------------------------------------------------------
// Machine

/** Node's facts about this machine, passed in (os.cpus(), process.platform, ...), so that machineOf stays pure. */
export interface MachineFacts {
  platform: string
  arch: string
  /** os.cpus(). */
  cpus: readonly { model: string }[]
  /** os.availableParallelism(), for when os.cpus() is empty (some containers and Android). */
  availableParallelism?: number
  /** process.version. */
  node: string
  /** vitest's version. */
  vitest: string
}

export function machineOf(facts: MachineFacts): Machine {
  const model = (facts.cpus[0]?.model ?? '').replace(/\s+/g, ' ').trim()
  return {
    platform: facts.platform,
    arch: facts.arch,
    cpus: facts.cpus.length > 0 ? facts.cpus.length : Math.max(0, Math.round(facts.availableParallelism ?? 0)),
    cpuModel: model || 'unknown',
    node: facts.node,
    vitest: facts.vitest,
  }
}

const nodeMajor = (v: string) => /^v?(\d+)/.exec(v)?.[1] ?? v

/**
 * What makes this machine's CPU times incomparable with the baseline's, for a warning (the gate still runs: a
 * team may have chosen to gate on a laptop against a CI-made baseline): platform or architecture, CPU model,
 * core count (contention on a shared runner), Node major version (another V8). null when none differ. A vitest
 * or Node minor version change is not named: it rarely moves CPU times by the gate's tolerance.
 */
export function machineDifference(baseline: Machine, current: Machine): string | null {
  const diffs: string[] = []
  const pair = (what: string, b: string, c: string) => diffs.push(`${what} ${b} in the baseline, ${c} here`)
  const bp = `${baseline.platform}-${baseline.arch}`
  const cp = `${current.platform}-${current.arch}`
  if (bp !== cp) pair('platform', bp, cp)
  if (baseline.cpuModel !== current.cpuModel) pair('CPU', j(baseline.cpuModel), j(current.cpuModel))
  if (baseline.cpus !== current.cpus) pair('cores', String(baseline.cpus), String(current.cpus))
  if (nodeMajor(baseline.node) !== nodeMajor(current.node)) pair('Node', baseline.node, current.node)
  const mode = (p: boolean) => (p ? 'profiled (vitest-profile)' : 'without profiling')
  const modeNote =
    baseline.profiled !== undefined && current.profiled !== undefined && baseline.profiled !== current.profiled
      ? `the baseline's runs were ${mode(baseline.profiled)} and this run is ${mode(current.profiled)}: child processes' CPU includes their profiler agents only in a profiled run; make the baseline the way the gate runs`
      : null
  if (diffs.length === 0) return modeNote
  return `${modeNote ? `${modeNote}; ` : ''}the baseline was made on another machine (${diffs.join('; ')}): its CPU times may not compare with this run's; to gate on this machine, ${REGENERATE} here`
}
