/**
 * The regression gate's baseline file: a versioned JSON document, committed in the repository, holding per
 * test the CPU figures of one or more runs of the suite (and, when those runs were profiled, the test's top
 * lines). Pure: building and writing to text (reading back and validating: baseline-parse.ts); the disk is
 * baseline-io.ts's.
 *
 * ## Schema `vitest-profiler/baseline`, version 1
 *
 * ```json
 * {
 *   "schema": "vitest-profiler/baseline",
 *   "version": 1,
 *   "created": "2025-01-31T12:00:00.000Z",
 *   "machine": { "platform": "linux", "arch": "x64", "cpus": 4, "cpuModel": "AMD EPYC 7763 64-Core Processor", "node": "v20.20.2", "vitest": "4.1.12" },
 *   "calibration": {
 *     "probe": 1,
 *     "clock": "thread",
 *     "arithmeticMs": [8.91, 8.88, 8.95],
 *     "memoryMs": [17.52, 18.1, 17.4],
 *     "helpersMs": [4.02, 3.61, 4.4]
 *   },
 *   "tests": {
 *     "unit › test/parse.test.ts › parseRow › splits quoted fields": {
 *       "file": "test/parse.test.ts",
 *       "name": "parseRow › splits quoted fields",
 *       "runs": [
 *         { "cpuMs": 412.5, "mainMs": 400.25, "workersMs": 12.25, "wallMs": 431.02, "boundMs": 1.2, "helpersMs": 61.3, "samples": 4101 },
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
 *   - `helpersMs` (optional): the CPU its process spent outside the test's threads meanwhile (V8's GC and
 *     compiler threads; not part of `cpuMs`), when the meter knows it (a forks pool's test): how much a loaded
 *     machine can hand back to the test's thread (calibration.ts);
 *   - `samples` (optional, an integer): the profiler's sample count in the test, when that run was profiled.
 * - `topLines` (optional): present when at least one run was profiled; the top lines of the profiled run with the
 *   median `cpuMs` (one real run, not a blend of several), by self CPU, highest first. `line` is 'path:line' with
 *   the path relative to the project root; `selfMs` is the line's self CPU over every thread and process of the
 *   test, `mainMs + workersMs` its split.
 * - `machine` describes where the baseline was made (`machineOf`); a gate run elsewhere warns
 *   (`machineDifference`), since CPU times of different CPUs do not compare.
 * - `calibration` (optional): the calibration probe's figures at the baseline's runs (calibration.ts: the probe's
 *   version, its clock, per repetition its arithmetic and memory parts' CPU and its helper threads' CPU), which
 *   the gate compares with this run's probe to tell how much slower the machine is now. A baseline without it
 *   (an older vitest-profiler's) or with one that cannot be read is compared as it is, with a note.
 * - Keys are written sorted (by UTF-16 code units, not the locale), objects with a fixed field order, 2-space
 *   indentation, one run and one top line per line, a final newline: two baselines of the same suite differ
 *   only where a figure did, and a review diff shows one line per changed run.
 * - Unknown fields are ignored when read (a hand-added comment field does not break the gate). A change of
 *   meaning or of a field's type bumps `version`; a reader refuses every version but its own and says how to
 *   regenerate the file. Optional fields that add a measurement (`helpersMs`, `calibration`) do not: an older
 *   reader ignores them and judges as before, this one treats their absence as "not measured".
 */

import { calibrationLines, isCalibration, mergeCalibrations, type Calibration, type CalibrationField } from './calibration.js'

export const BASELINE_SCHEMA = 'vitest-profiler/baseline'
export const BASELINE_VERSION = 1
/** The command that writes (or ratchets) the baseline; every message that suggests regenerating names it. */
export const UPDATE_BASELINE_COMMAND = 'npx vitest-profile run --update-baseline'
export const REGENERATE = `regenerate it with ${UPDATE_BASELINE_COMMAND}`

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
  /** CPU of the test's process outside its threads (V8's background threads), when the meter knows it. */
  helpersMs?: number
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
  /** The calibration probe's figures when the baseline was made (absent: an older baseline). */
  calibration?: CalibrationField
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
  helpersMs?: number
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

export const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

function runOf(t: TestFigures): BaselineRun {
  const r: BaselineRun = {
    cpuMs: round2(t.cpuMs),
    mainMs: round2(t.mainMs),
    workersMs: round2(t.workersMs),
    wallMs: round2(t.wallMs),
    boundMs: round2(t.boundMs),
  }
  if (t.helpersMs !== undefined) r.helpersMs = round2(t.helpersMs)
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
 * test's last run. `calibration`: the probe's figures around those runs (calibration.ts mergeCalibrations).
 */
export function buildBaseline(runs: readonly (readonly TestFigures[])[], machine: Machine, created: string | Date, calibration?: Calibration | null): Baseline {
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
    // Rounded as it is written: a baseline read back equals the one built.
    ...(calibration ? { calibration: mergeCalibrations([calibration])! } : {}),
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
    ['helpersMs', r.helpersMs === undefined ? undefined : round2(r.helpersMs)],
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
  // A calibration that could not be read is not written back: it would mislead the next reader the same way.
  if (isCalibration(b.calibration)) out.push(...calibrationLines(b.calibration).map((l, i, all) => (i === all.length - 1 ? `${l},` : l)))
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
      ? `the baseline's runs were ${mode(baseline.profiled)} and this run is ${mode(current.profiled)}: a profiled run's CPU includes the sampler's cost in every sampled thread (2-5% of a busy loop's on the bench) and child processes' agents; make the baseline the way the gate runs`
      : null
  if (diffs.length === 0) return modeNote
  return `${modeNote ? `${modeNote}; ` : ''}the baseline was made on another machine (${diffs.join('; ')}): its CPU times may not compare with this run's; to gate on this machine, ${REGENERATE} here`
}
